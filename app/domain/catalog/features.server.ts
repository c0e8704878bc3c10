// Features as data (ADR 017): the admin console creates features and says which products (or
// prices) grant them. A product's feature set applies to its existing entitlements at once: the
// access statement reads product_features on every request. Every change is audited.
//
// A feature with a Stripe lookup key is mirrored to Stripe Entitlements, so the merchant sees the
// same features in Stripe: the feature is created there, and a product-wide grant attaches it to
// the product's Stripe product. Access is still decided from D1 only. Stripe is written first, so
// a refusal or an outage (a 502) leaves D1 unchanged; the Stripe writes are idempotent, so the
// admin's retry finishes the job.
import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { FEATURE_KINDS, FEATURE_SCOPES } from "../../../db/schema";
import { type Locale } from "../../i18n/config";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { AuditReason } from "../audit/reason";
import { type BillingGateway } from "../billing/types";
import { conflict, invalidInput, notFound } from "../errors";
import { localizeCatalogRow } from "./catalog-text";
import { safeText, strictInt } from "../input";

export const FeatureKey = z
  .string({ error: "A key is required." })
  .trim()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, "Use lower-case words of letters, digits and underscores, joined by dots.")
  .max(64, "Use at most 64 characters.");

export const CreateFeatureInput = z.object({
  key: FeatureKey,
  name: safeText(z.string({ error: "A name is required." }).trim().min(2).max(80), { label: "Name" }),
  description: safeText(z.string().trim().max(500), { label: "Description", multiline: true }).default(""),
  kind: z.enum(FEATURE_KINDS, { error: "Pick on/off or a limit." }),
  scope: z.enum(FEATURE_SCOPES, { error: "Pick who uses it: a person with a seat, or the organisation's managers." }),
  // Empty: not mirrored to Stripe.
  stripeLookupKey: z
    .string()
    .trim()
    .max(80, "Use at most 80 characters.")
    .regex(/^([a-z0-9][a-z0-9_.-]*)?$/, "Use lower-case letters, digits, dots, dashes and underscores.")
    .optional()
    .transform((v) => v || null),
});

export const AddProductFeatureInput = z.object({
  productId: z.string().min(1).max(64),
  // Empty: every price of the product.
  priceId: z
    .string()
    .max(64)
    .optional()
    .transform((v) => v || null),
  featureId: z.string({ error: "Pick a feature." }).min(1, "Pick a feature.").max(64),
  limit: z.preprocess((v) => (v === "" ? null : v), strictInt({ min: 0, max: 1_000_000_000, label: "Limit" }).nullable()).default(null),
  reason: AuditReason,
});

export const RemoveProductFeatureInput = z.object({ productFeatureId: z.string().min(1).max(64), reason: AuditReason });

/**
 * The product a locked page offers for a feature: the one the user's closest miss came through, else
 * the first published product that grants it (null when none does), named in `locale`. Only read on a refusal.
 */
export async function productGranting(deps: { db: Db; feature: string; preferKey: string | null; locale: Locale }) {
  const { products: p } = schema;
  const rows = await deps.db
    .select({ key: p.key, name: p.name, translations: p.translations, kind: p.kind, published: p.published })
    .from(schema.productFeatures)
    .innerJoin(schema.features, eq(schema.features.id, schema.productFeatures.featureId))
    .innerJoin(p, eq(p.id, schema.productFeatures.productId))
    .where(eq(schema.features.key, deps.feature))
    .orderBy(asc(p.createdAt));
  const row = rows.find((r) => r.key === deps.preferKey) ?? rows.find((r) => r.published);
  return row ? localizeCatalogRow(row, deps.locale) : null;
}

/**
 * A product's feature set as the audit names it: one entry per row, `feature[@price lookup key][=limit]`,
 * sorted, with the set's version (products.features_version, bumped by every change: "versioned like
 * prices", ADR 018 amendment). Changes still apply to existing entitlements at once.
 */
async function featureSet(db: Db, productId: string) {
  const [product, rows] = await Promise.all([
    db.select({ version: schema.products.featuresVersion }).from(schema.products).where(eq(schema.products.id, productId)).get(),
    db
      .select({ feature: schema.features.key, price: schema.productPrices.lookupKey, limit: schema.productFeatures.limitValue })
      .from(schema.productFeatures)
      .innerJoin(schema.features, eq(schema.features.id, schema.productFeatures.featureId))
      .leftJoin(schema.productPrices, eq(schema.productPrices.id, schema.productFeatures.priceId))
      .where(eq(schema.productFeatures.productId, productId))
      .all(),
  ]);
  return { version: product?.version ?? 1, features: rows.map(featureSetEntry).sort() };
}

const featureSetEntry = (r: { feature: string; price: string | null; limit: number | null }) =>
  `${r.feature}${r.price ? `@${r.price}` : ""}${r.limit !== null ? `=${r.limit}` : ""}`;

/** The statement that moves a product's feature set to its next version (in the change's own batch). */
const bumpFeaturesVersion = (db: Db, productId: string) =>
  db
    .update(schema.products)
    .set({ featuresVersion: sql`${schema.products.featuresVersion} + 1` })
    .where(eq(schema.products.id, productId));

/** A limit feature is granted with its limit, an on/off feature without one: else a 422 on `limit`. */
export function checkLimitFits(feature: { kind: "boolean" | "limit" }, limit: number | null) {
  if ((feature.kind === "limit") === (limit !== null)) return;
  throw invalidInput(feature.kind === "limit" ? "A limit feature needs its limit." : "An on/off feature has no limit.", {
    limit: [feature.kind === "limit" ? "Enter the limit to grant." : "Leave empty for an on/off feature."],
  });
}

/** Every feature, with the products and prices that grant it. */
export async function listFeatures(deps: { db: Db }) {
  const [features, grants] = await Promise.all([
    deps.db.select().from(schema.features).orderBy(asc(schema.features.key)),
    deps.db
      .select({
        id: schema.productFeatures.id,
        productId: schema.productFeatures.productId,
        priceId: schema.productFeatures.priceId,
        featureId: schema.productFeatures.featureId,
        limit: schema.productFeatures.limitValue,
      })
      .from(schema.productFeatures)
      .orderBy(asc(schema.productFeatures.createdAt)),
  ]);
  return { features, grants };
}

export async function createFeature(deps: {
  db: Db;
  gateway: BillingGateway;
  adminId: string;
  input: z.infer<typeof CreateFeatureInput>;
  now: number;
}) {
  const { db, input, now } = deps;
  if (await db.select({ id: schema.features.id }).from(schema.features).where(eq(schema.features.key, input.key)).get()) {
    throw conflict("key_taken", "A feature with that key exists.", { fieldErrors: { key: ["A feature with that key exists."] } });
  }
  if (
    input.stripeLookupKey &&
    (await db
      .select({ id: schema.features.id })
      .from(schema.features)
      .where(eq(schema.features.stripeLookupKey, input.stripeLookupKey))
      .get())
  ) {
    const message = "Another feature mirrors that Stripe lookup key.";
    throw conflict("stripe_lookup_key_taken", message, { fieldErrors: { stripeLookupKey: [message] } });
  }
  const id = newId("ftr");
  const stripeFeatureId = input.stripeLookupKey
    ? await deps.gateway.ensureFeature({ lookupKey: input.stripeLookupKey, name: input.name, idempotencyKey: `feature-${id}` })
    : null;
  await db.batch([
    db.insert(schema.features).values({ id, ...input, stripeFeatureId, createdAt: now, updatedAt: now }),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "catalog.feature_created",
      target: { type: "feature", id },
      after: { ...input, stripeFeatureId },
      at: now,
    }),
  ]);
  return { id, stripeFeatureId };
}

/**
 * Attaches to a product's (new) Stripe product the mirrored features it grants product-wide. Stripe
 * features belong to products, not prices, so a grant at one price is not mirrored.
 */
export async function attachStripeFeatures(deps: { db: Db; gateway: BillingGateway; productId: string; stripeProductId: string }) {
  const rows = await deps.db
    .select({ id: schema.productFeatures.id, stripeFeatureId: schema.features.stripeFeatureId })
    .from(schema.productFeatures)
    .innerJoin(schema.features, eq(schema.features.id, schema.productFeatures.featureId))
    .where(
      and(
        eq(schema.productFeatures.productId, deps.productId),
        isNull(schema.productFeatures.priceId),
        isNotNull(schema.features.stripeFeatureId),
      ),
    )
    .all();
  for (const row of rows) {
    await deps.gateway.attachFeature({
      stripeProductId: deps.stripeProductId,
      stripeFeatureId: row.stripeFeatureId as string,
      idempotencyKey: `product-feature-${row.id}`,
    });
  }
}

/** A product (or one of its prices) grants a feature from now on, to its existing entitlements too. */
export async function addProductFeature(deps: {
  db: Db;
  gateway: BillingGateway;
  adminId: string;
  input: z.infer<typeof AddProductFeatureInput>;
  now: number;
}) {
  const { db, input, now } = deps;
  const [product, feature, price] = await Promise.all([
    db.select().from(schema.products).where(eq(schema.products.id, input.productId)).get(),
    db.select().from(schema.features).where(eq(schema.features.id, input.featureId)).get(),
    input.priceId ? db.select().from(schema.productPrices).where(eq(schema.productPrices.id, input.priceId)).get() : null,
  ]);
  if (!product) throw notFound("No such product.");
  if (!feature) throw invalidInput("Pick a feature.", { featureId: ["No such feature."] });
  if (input.priceId && price?.productId !== product.id)
    throw invalidInput("Pick a price of this product.", { priceId: ["Not a price of this product."] });
  checkLimitFits(feature, input.limit);
  const existing = await db
    .select({ id: schema.productFeatures.id })
    .from(schema.productFeatures)
    .where(
      and(
        eq(schema.productFeatures.featureId, feature.id),
        input.priceId
          ? eq(schema.productFeatures.priceId, input.priceId)
          : and(eq(schema.productFeatures.productId, product.id), isNull(schema.productFeatures.priceId)),
      ),
    )
    .get();
  if (existing) throw conflict("already_granted", `${product.name} already grants ${feature.key}${input.priceId ? " at that price" : ""}.`);
  const id = newId("pf");
  // Mirrored when the feature is and the product exists in Stripe (else when its first price is created).
  const stripeProductFeatureId =
    !input.priceId && feature.stripeFeatureId && product.stripeProductId
      ? await deps.gateway.attachFeature({
          stripeProductId: product.stripeProductId,
          stripeFeatureId: feature.stripeFeatureId,
          idempotencyKey: `product-feature-${id}`,
        })
      : null;
  const set = await featureSet(db, product.id);
  const entry = featureSetEntry({ feature: feature.key, price: price?.lookupKey ?? null, limit: input.limit });
  const after = {
    product: product.key,
    price: price?.lookupKey ?? null,
    feature: feature.key,
    limit: input.limit,
    stripeProductFeatureId,
    featuresVersion: set.version + 1,
    featureSet: [...set.features, entry].sort(),
  };
  await db.batch([
    db
      .insert(schema.productFeatures)
      .values({ id, productId: product.id, priceId: input.priceId, featureId: feature.id, limitValue: input.limit, createdAt: now }),
    bumpFeaturesVersion(db, product.id),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "catalog.product_feature_added",
      target: { type: "product", id: product.id },
      before: { featuresVersion: set.version, featureSet: set.features },
      after,
      reason: input.reason,
      at: now,
    }),
  ]);
  return { id, ...after };
}

/** The product stops granting the feature: existing entitlements lose it at once. */
export async function removeProductFeature(deps: {
  db: Db;
  gateway: BillingGateway;
  adminId: string;
  input: z.infer<typeof RemoveProductFeatureInput>;
  now: number;
}) {
  const { db, input, now } = deps;
  const row = await db
    .select({
      pf: schema.productFeatures,
      feature: schema.features.key,
      stripeFeatureId: schema.features.stripeFeatureId,
      product: schema.products.key,
      stripeProductId: schema.products.stripeProductId,
    })
    .from(schema.productFeatures)
    .innerJoin(schema.features, eq(schema.features.id, schema.productFeatures.featureId))
    .innerJoin(schema.products, eq(schema.products.id, schema.productFeatures.productId))
    .where(eq(schema.productFeatures.id, input.productFeatureId))
    .get();
  if (!row) throw notFound("That product no longer grants that feature.");
  const { stripeFeatureId, stripeProductId } = row;
  const mirrored = !row.pf.priceId && stripeFeatureId !== null && stripeProductId !== null;
  if (mirrored) await deps.gateway.detachFeature({ stripeProductId, stripeFeatureId });
  const set = await featureSet(db, row.pf.productId);
  const price = row.pf.priceId
    ? ((
        await db
          .select({ key: schema.productPrices.lookupKey })
          .from(schema.productPrices)
          .where(eq(schema.productPrices.id, row.pf.priceId))
          .get()
      )?.key ?? null)
    : null;
  const removed = featureSetEntry({ feature: row.feature, price, limit: row.pf.limitValue });
  await db.batch([
    db.delete(schema.productFeatures).where(eq(schema.productFeatures.id, row.pf.id)),
    bumpFeaturesVersion(db, row.pf.productId),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "catalog.product_feature_removed",
      target: { type: "product", id: row.pf.productId },
      before: {
        product: row.product,
        priceId: row.pf.priceId,
        feature: row.feature,
        limit: row.pf.limitValue,
        featuresVersion: set.version,
        featureSet: set.features,
      },
      after: {
        detachedInStripe: mirrored,
        featuresVersion: set.version + 1,
        featureSet: set.features.filter((f, i) => i !== set.features.indexOf(removed)),
      },
      reason: input.reason,
      at: now,
    }),
  ]);
}
