// A tenant's features as a system admin sees them (ADR 017): what each live entitlement's product
// and price grant, and the admin's single-feature grants, with where each comes from.
import { and, desc, eq, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { AuditReason } from "../audit/reason";
import { conflict, invalidInput, notFound } from "../errors";
import { strictInt } from "../input";
import { isGrantLive, isLive } from "./live";
import { checkLimitFits } from "../catalog/features.server";

const DAY = 86_400_000;

export const FeatureGrantInput = z.object({
  featureId: z.string({ error: "Pick a feature." }).min(1, "Pick a feature.").max(64),
  days: strictInt({ min: 1, max: 3650, label: "Days" }),
  limit: z.preprocess(
    (v) => (v === "" || v === undefined ? null : v),
    strictInt({ min: 0, max: 1_000_000_000, label: "Limit" }).nullable(),
  ),
  reason: AuditReason,
});

export const RevokeFeatureGrantInput = z.object({ grantId: z.string().min(1).max(64), reason: AuditReason });

/** A free grant of one feature to a tenant for `days` days, audited with its reason. */
export async function grantFeature(deps: {
  db: Db;
  adminId: string;
  tenantId: string;
  input: z.infer<typeof FeatureGrantInput>;
  now: number;
}) {
  const { db, input, now } = deps;
  const [tenant, feature] = await Promise.all([
    db.select({ id: schema.tenants.id }).from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get(),
    db.select().from(schema.features).where(eq(schema.features.id, input.featureId)).get(),
  ]);
  if (!tenant) throw notFound("No such tenant.");
  if (!feature) throw invalidInput("Pick a feature.", { featureId: ["No such feature."] });
  checkLimitFits(feature, input.limit);
  const id = newId("fgr");
  const validUntil = now + input.days * DAY;
  await db.batch([
    db.insert(schema.tenantFeatureGrants).values({
      id,
      tenantId: tenant.id,
      featureId: feature.id,
      limitValue: input.limit,
      status: "active",
      validFrom: now,
      validUntil,
      reason: input.reason,
      grantedBy: deps.adminId,
      createdAt: now,
      updatedAt: now,
    }),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "feature.granted",
      tenantId: tenant.id,
      target: { type: "feature_grant", id },
      after: { feature: feature.key, limit: input.limit, validUntil },
      reason: input.reason,
      at: now,
    }),
  ]);
  return { id, feature: feature.key, validUntil };
}

export async function revokeFeatureGrant(deps: {
  db: Db;
  adminId: string;
  tenantId: string;
  input: z.infer<typeof RevokeFeatureGrantInput>;
  now: number;
}) {
  const { db, input, now } = deps;
  const g = schema.tenantFeatureGrants;
  const grant = await db
    .select()
    .from(g)
    .where(and(eq(g.id, input.grantId), eq(g.tenantId, deps.tenantId)))
    .get();
  if (!grant) throw notFound("No such feature grant.");
  if (grant.status === "revoked") throw conflict("already_revoked", "That grant is already revoked.");
  await db.batch([
    db
      .update(g)
      .set({ status: "revoked", updatedAt: now })
      .where(and(eq(g.id, grant.id), eq(g.status, "active"))),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "feature.revoked",
      tenantId: grant.tenantId,
      target: { type: "feature_grant", id: grant.id },
      before: { status: "active", validUntil: grant.validUntil },
      after: { status: "revoked" },
      reason: input.reason,
      at: now,
    }),
  ]);
}

export type TenantFeature = {
  key: string;
  name: string;
  kind: string;
  scope: string;
  limit: number | null;
  live: boolean;
  source: string;
  /** Where it comes from: the entitlement's product (and price lookup key), or the grant's reason. Pages word it. */
  product: string | null;
  price: string | null;
  grantReason: string | null;
  grantId: string | null;
};

/** Every feature the tenant's entitlements and grants name, live or not, with where it comes from. */
export async function tenantFeatures(deps: { db: Db; tenantId: string; now: number }): Promise<TenantFeature[]> {
  const { db } = deps;
  const e = schema.tenantProductEntitlements;
  const pf = schema.productFeatures;
  const [fromEntitlements, grants] = await Promise.all([
    db
      .select({
        key: schema.features.key,
        name: schema.features.name,
        kind: schema.features.kind,
        scope: schema.features.scope,
        limit: pf.limitValue,
        status: e.status,
        validFrom: e.validFrom,
        validUntil: e.validUntil,
        graceUntil: e.graceUntil,
        source: e.source,
        product: schema.products.name,
        priceId: pf.priceId,
        price: schema.productPrices.lookupKey,
      })
      .from(e)
      .innerJoin(schema.products, eq(schema.products.id, e.productId))
      // Product-wide rows, and price rows for entitlements bought at that price.
      .innerJoin(pf, and(eq(pf.productId, e.productId), or(isNull(pf.priceId), eq(pf.priceId, e.priceId))))
      .innerJoin(schema.features, eq(schema.features.id, pf.featureId))
      .leftJoin(schema.productPrices, eq(schema.productPrices.id, pf.priceId))
      .where(eq(e.tenantId, deps.tenantId))
      .orderBy(schema.features.key, desc(e.createdAt)),
    db
      .select({
        grant: schema.tenantFeatureGrants,
        key: schema.features.key,
        name: schema.features.name,
        kind: schema.features.kind,
        scope: schema.features.scope,
      })
      .from(schema.tenantFeatureGrants)
      .innerJoin(schema.features, eq(schema.features.id, schema.tenantFeatureGrants.featureId))
      .where(eq(schema.tenantFeatureGrants.tenantId, deps.tenantId))
      .orderBy(schema.features.key, desc(schema.tenantFeatureGrants.createdAt)),
  ]);
  return [
    ...fromEntitlements.map((r) => ({
      key: r.key,
      name: r.name,
      kind: r.kind,
      scope: r.scope,
      limit: r.limit,
      live: isLive(r, deps.now),
      source: r.source,
      product: r.product,
      price: r.price,
      grantReason: null,
      grantId: null,
    })),
    ...grants.map(({ grant, ...f }) => ({
      ...f,
      limit: grant.limitValue,
      live: isGrantLive(grant, deps.now),
      source: "feature_grant",
      product: null,
      price: null,
      grantReason: grant.reason,
      grantId: grant.status === "active" ? grant.id : null,
    })),
  ];
}

/** Does the tenant itself hold the feature now, through a live entitlement or grant (roles and seats aside)? Public pages and plan checks follow this. */
export async function tenantHoldsFeature(deps: { db: Db; tenantId: string; feature: string; now: number }): Promise<boolean> {
  return (await tenantFeatures(deps)).some((f) => f.key === deps.feature && f.live);
}
