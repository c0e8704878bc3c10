import { desc, eq, inArray, like, or, sql } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { AuditReason } from "../audit/reason";
import { entitlementColumns, isLive, liveCondition } from "../entitlements/live";
import { invalidInput } from "../errors";
import { safeText } from "../input";
import { freeSlug, newTenantStatements } from "./new-tenant.server";

// Tenants in the admin console: search, one tenant's whole picture, and creating a tenant for a
// named owner.

export async function searchTenants(deps: { db: Db; q: string; now: number; limit?: number }) {
  const q = deps.q.trim().toLowerCase();
  const t = schema.tenants;
  const where = q
    ? or(
        like(sql`lower(${t.name})`, `%${q}%`),
        like(t.slug, `%${q}%`),
        eq(t.id, q),
        eq(t.stripeCustomerId, deps.q.trim()),
        sql`${t.id} IN (SELECT m.tenant_id FROM tenant_memberships m JOIN users u ON u.id = m.user_id WHERE u.email LIKE ${`%${q}%`})`,
      )
    : undefined;
  // Qualified by hand: drizzle writes a one-table select's columns bare, and a bare "id" inside
  // these subqueries would name the subquery's own table (every count was 0).
  const tenantId = sql`${sql.identifier("tenants")}.${sql.identifier("id")}`;
  return deps.db
    .select({
      id: t.id,
      name: t.name,
      slug: t.slug,
      createdAt: t.createdAt,
      complianceStatus: t.complianceStatus,
      members: sql<number>`(SELECT count(*) FROM tenant_memberships m WHERE m.tenant_id = ${tenantId} AND m.status = 'active')`,
      liveEntitlements: sql<number>`(SELECT count(*) FROM tenant_product_entitlements e WHERE e.tenant_id = ${tenantId} AND ${liveCondition(entitlementColumns("e"), deps.now)})`,
    })
    .from(t)
    .where(where)
    .orderBy(desc(t.createdAt))
    .limit(deps.limit ?? 100);
}

export async function getTenantDetail(deps: { db: Db; tenantId: string; now: number }) {
  const { db } = deps;
  const tenant = await db.select().from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get();
  if (!tenant) return null;
  const [members, subscriptions, entitlements, intents] = await Promise.all([
    db
      .select({
        userId: schema.users.id,
        email: schema.users.email,
        role: schema.tenantMemberships.role,
        status: schema.tenantMemberships.status,
        seats: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.user_id = ${schema.users.id} AND s.tenant_id = ${tenant.id} AND s.released_at IS NULL)`,
      })
      .from(schema.tenantMemberships)
      .innerJoin(schema.users, eq(schema.users.id, schema.tenantMemberships.userId))
      .where(eq(schema.tenantMemberships.tenantId, tenant.id))
      .orderBy(schema.users.email),
    db
      .select()
      .from(schema.subscriptions)
      .where(eq(schema.subscriptions.tenantId, tenant.id))
      .orderBy(desc(schema.subscriptions.createdAt)),
    db
      .select({
        e: schema.tenantProductEntitlements,
        productKey: schema.products.key,
        productName: schema.products.name,
        seatsUsed: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${schema.tenantProductEntitlements.id} AND s.released_at IS NULL)`,
        grantReason: sql<
          string | null
        >`(SELECT a.reason FROM audit_log a WHERE a.target_id = ${schema.tenantProductEntitlements.id} AND a.action = 'entitlement.granted' ORDER BY a.id LIMIT 1)`,
      })
      .from(schema.tenantProductEntitlements)
      .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
      .where(eq(schema.tenantProductEntitlements.tenantId, tenant.id))
      .orderBy(desc(schema.tenantProductEntitlements.createdAt)),
    db
      .select({ intent: schema.purchaseIntents, productName: schema.products.name, buyer: schema.users.email })
      .from(schema.purchaseIntents)
      .innerJoin(schema.products, eq(schema.products.id, schema.purchaseIntents.productId))
      .innerJoin(schema.users, eq(schema.users.id, schema.purchaseIntents.userId))
      .where(
        or(
          eq(schema.purchaseIntents.tenantId, tenant.id),
          eq(schema.purchaseIntents.provisionedTenantId, tenant.id),
          tenant.stripeCustomerId ? eq(schema.purchaseIntents.stripeCustomerId, tenant.stripeCustomerId) : sql`0`,
        ),
      )
      .orderBy(desc(schema.purchaseIntents.createdAt)),
  ]);
  const objectIds = [
    ...subscriptions.map((s) => s.stripeSubscriptionId),
    ...intents.flatMap((i) => [i.intent.stripeCheckoutSessionId, i.intent.stripePaymentIntentId].filter((x): x is string => Boolean(x))),
  ];
  const events = await db
    .select({
      eventId: schema.processedWebhookEvents.eventId,
      type: schema.processedWebhookEvents.type,
      status: schema.processedWebhookEvents.status,
      receivedAt: schema.processedWebhookEvents.receivedAt,
      error: schema.processedWebhookEvents.error,
    })
    .from(schema.processedWebhookEvents)
    .where(
      objectIds.length
        ? or(eq(schema.processedWebhookEvents.tenantId, tenant.id), inArray(schema.processedWebhookEvents.objectId, objectIds))
        : eq(schema.processedWebhookEvents.tenantId, tenant.id),
    )
    .orderBy(desc(schema.processedWebhookEvents.receivedAt))
    .limit(100);
  return {
    tenant,
    members,
    subscriptions,
    entitlements: entitlements.map((r) => ({
      ...r.e,
      productKey: r.productKey,
      productName: r.productName,
      seatsUsed: Number(r.seatsUsed),
      live: isLive(r.e, deps.now),
      // Why the tenant has it: the source (worded by the page), its reference and an admin grant's reason.
      grantReason: r.grantReason,
    })),
    intents: intents.map((i) => ({ ...i.intent, productName: i.productName, buyer: i.buyer, stuck: i.intent.state === "paid" })),
    events,
  };
}

export const CreateTenantInput = z.object({
  name: safeText(z.string({ error: "Name the organisation." }).trim().min(2, "Name the organisation.").max(80), {
    label: "Organisation name",
  }),
  ownerEmail: z.string({ error: "Owner email is required." }).trim().toLowerCase().pipe(z.email("Enter the owner's email.")),
  reason: AuditReason,
});

/** An admin creates a tenant only explicitly, for a named existing user who becomes its owner. */
export async function createTenantForOwner(deps: {
  db: Db;
  adminId: string;
  input: z.infer<typeof CreateTenantInput>;
  now: number;
}): Promise<{ tenantId: string; slug: string }> {
  const { db, input, now } = deps;
  const owner = await db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, input.ownerEmail)).get();
  if (!owner) throw invalidInput("No account has that email.", { ownerEmail: ["No account has that email; ask them to sign up first."] });
  const tenantId = newId("ten");
  const slug = await freeSlug(db, input.name, tenantId);
  await db.batch(
    newTenantStatements(db, {
      id: tenantId,
      name: input.name,
      slug,
      ownerUserId: owner.id,
      createdBy: deps.adminId,
      actor: { type: "user", id: deps.adminId },
      reason: { tenant: input.reason, owner: input.reason },
      now,
    }),
  );
  return { tenantId, slug };
}
