import { and, asc, eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { type PublicProduct } from "./pricing";

/** Only published products with their published, unarchived prices: nothing else is public. */
export async function getPublicPricing(deps: { db: Db }): Promise<{ products: PublicProduct[] }> {
  const rows = await deps.db
    .select({ product: schema.products, price: schema.productPrices })
    .from(schema.products)
    .innerJoin(schema.productPrices, eq(schema.productPrices.productId, schema.products.id))
    .where(
      and(
        eq(schema.products.published, true),
        eq(schema.productPrices.published, true),
        eq(schema.productPrices.archived, false),
      ),
    )
    .orderBy(asc(schema.products.createdAt), asc(schema.products.key), asc(schema.productPrices.unitAmount));

  const byKey = new Map<string, PublicProduct>();
  for (const { product, price } of rows) {
    let entry = byKey.get(product.key);
    if (!entry) {
      entry = {
        key: product.key,
        name: product.name,
        description: product.description,
        kind: product.kind,
        seatBased: product.seatBased,
        prices: [],
      };
      byKey.set(product.key, entry);
    }
    entry.prices.push({
      id: price.id,
      lookupKey: price.lookupKey,
      currency: price.currency,
      unitAmount: price.unitAmount,
      interval: price.interval,
      tier: price.tier,
      minSeats: price.minSeats,
      maxSeats: price.maxSeats,
    });
  }
  for (const p of byKey.values()) {
    p.prices.sort((a, b) => (a.interval ?? "").localeCompare(b.interval ?? "") || (a.minSeats ?? 0) - (b.minSeats ?? 0));
  }
  return { products: [...byKey.values()] };
}
