import { and, eq, isNull } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { type BillingGateway } from "../billing/types";
import { attachStripeFeatures } from "./features.server";

export type CatalogPrice = typeof schema.productPrices.$inferSelect & { product: typeof schema.products.$inferSelect };

export async function loadPrice(db: Db, priceId: string): Promise<CatalogPrice | null> {
  const row = await db
    .select({ price: schema.productPrices, product: schema.products })
    .from(schema.productPrices)
    .innerJoin(schema.products, eq(schema.products.id, schema.productPrices.productId))
    .where(eq(schema.productPrices.id, priceId))
    .get();
  return row ? { ...row.price, product: row.product } : null;
}

/** The Stripe price behind one of ours, created in Stripe (same lookup key) the first time it is needed. */
export async function ensureStripePrice(deps: { db: Db; gateway: BillingGateway; price: CatalogPrice }): Promise<string> {
  if (deps.price.stripePriceId) return deps.price.stripePriceId;
  const { price } = deps;
  const ids = await deps.gateway.ensurePrice({
    productKey: price.product.key,
    productName: price.product.name,
    productId: price.product.id,
    priceId: price.id,
    lookupKey: price.lookupKey,
    currency: price.currency,
    unitAmount: price.unitAmount,
    interval: price.interval,
    knownStripeProductId: price.product.stripeProductId,
  });
  // The product was created in Stripe just now: the mirrored features it grants go there too.
  if (!price.product.stripeProductId) {
    await attachStripeFeatures({ db: deps.db, gateway: deps.gateway, productId: price.product.id, stripeProductId: ids.stripeProductId });
  }
  await deps.db.batch([
    deps.db
      .update(schema.products)
      .set({ stripeProductId: ids.stripeProductId })
      .where(and(eq(schema.products.id, price.product.id), isNull(schema.products.stripeProductId))),
    deps.db
      .update(schema.productPrices)
      .set({ stripePriceId: ids.stripePriceId })
      .where(and(eq(schema.productPrices.id, price.id), isNull(schema.productPrices.stripePriceId))),
  ]);
  return ids.stripePriceId;
}
