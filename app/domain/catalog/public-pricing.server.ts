import { type AnyColumn, and, asc, eq, sql } from "drizzle-orm";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import { type Db, schema } from "../../infra/d1/db.server";
import { type Locale } from "../../i18n/config";
import { localizeCatalogRow, localizedName } from "./catalog-text";
import { type PublicFeature, type PublicProduct, type PublicTrial } from "./pricing";

const { products: p, productPrices: pp } = schema;
// An add-on's base product (ADR 019).
const base = alias(schema.products, "base");

// The columns the public may see, in the order the statement returns them.
const FIELDS = {
  key: p.key,
  name: p.name,
  description: p.description,
  kind: p.kind,
  seatBased: p.seatBased,
  ctaLabel: p.ctaLabel,
  translations: p.translations,
  baseKey: base.key,
  baseName: base.name,
  baseTranslations: base.translations,
  priceId: pp.id,
  lookupKey: pp.lookupKey,
  currency: pp.currency,
  unitAmount: pp.unitAmount,
  interval: pp.interval,
  tier: pp.tier,
  minSeats: pp.minSeats,
  maxSeats: pp.maxSeats,
  accessDays: pp.accessDays,
};
const COLUMNS = Object.entries(FIELDS) as [keyof typeof FIELDS, AnyColumn][];

// A product's own features and a price's extra ones, as JSON arrays in the same statement. Their
// translations come as the column's text (parsed, leniently, by localizeCatalogRow).
const featuresOf = (where: ReturnType<typeof sql>) =>
  sql<string>`(SELECT json_group_array(json_object('key', key, 'name', name, 'translations', translations, 'kind', kind, 'limit', limit_value)) FROM (
    SELECT f.key, f.name, f.translations, f.kind, pf.limit_value FROM product_features pf JOIN features f ON f.id = pf.feature_id
    WHERE ${where} ORDER BY f.key))`;
const FEATURES = {
  productFeatures: featuresOf(sql`pf.product_id = ${p.id} AND pf.price_id IS NULL`),
  priceFeatures: featuresOf(sql`pf.price_id = ${pp.id}`),
  // The trial a purchase at this price starts (trials as data, ADR 018), or null.
  trial: sql<
    string | null
  >`(SELECT json_object('days', t.days, 'productKey', tp.key, 'productName', tp.name, 'productTranslations', tp.translations)
    FROM price_trials t JOIN product_prices tpp ON tpp.id = t.trial_price_id JOIN products tp ON tp.id = tpp.product_id
    WHERE t.price_id = ${pp.id})`,
};

// Built once from the schema, not per request: the statement has no per-request input, and
// building it with drizzle cost more CPU than running it (ADR 009, docs/benchmarks.md).
const query = new QueryBuilder()
  .select({ ...FIELDS, ...FEATURES })
  .from(p)
  .innerJoin(pp, eq(pp.productId, p.id))
  .leftJoin(base, eq(base.id, p.baseProductId))
  .where(and(eq(p.published, true), eq(pp.published, true), eq(pp.archived, false)))
  .orderBy(asc(p.createdAt), asc(p.key), asc(pp.unitAmount));
const PUBLIC_PRICING = query.toSQL();
type Row = (typeof query)["_"]["result"][number];

type StoredFeature = PublicFeature & { translations: string };
type StoredTrial = PublicTrial & { productTranslations: string };

/**
 * Only published products with their published, unarchived prices: nothing else is public. Names,
 * descriptions and button labels are in `locale` where the catalog has them, else English (ADR 026).
 */
export async function getPublicPricing(deps: { db: Db; locale: Locale }): Promise<{ products: PublicProduct[] }> {
  const { locale } = deps;
  const features = (json: unknown) => (JSON.parse(json as string) as StoredFeature[]).map((f) => localizeCatalogRow(f, locale));
  const trial = (json: unknown): PublicTrial | null => {
    if (json === null) return null;
    const { productTranslations, ...t } = JSON.parse(json as string) as StoredTrial;
    return { ...t, productName: localizedName(t.productName, productTranslations, locale) };
  };
  const raw = await deps.db.$client
    .prepare(PUBLIC_PRICING.sql)
    .bind(...PUBLIC_PRICING.params)
    .raw();
  // Each value decoded by its column, as drizzle would (integer booleans, enums).
  const rows = raw.map((r) => ({
    ...(Object.fromEntries(COLUMNS.map(([name, col], i) => [name, r[i] === null ? null : col.mapFromDriverValue(r[i])])) as Row),
    productFeatures: features(r[COLUMNS.length]),
    priceFeatures: features(r[COLUMNS.length + 1]),
    trial: trial(r[COLUMNS.length + 2]),
  }));

  const byKey = new Map<string, PublicProduct>();
  for (const row of rows) {
    let entry = byKey.get(row.key);
    if (!entry) {
      const text = localizeCatalogRow(
        { name: row.name, description: row.description, ctaLabel: row.ctaLabel, translations: row.translations },
        locale,
      );
      entry = {
        key: row.key,
        ...text,
        kind: row.kind,
        seatBased: row.seatBased,
        addonOf:
          row.baseKey !== null && row.baseName !== null
            ? { key: row.baseKey, name: localizedName(row.baseName, row.baseTranslations, locale) }
            : null,
        features: row.productFeatures,
        prices: [],
      };
      byKey.set(row.key, entry);
    }
    entry.prices.push({
      id: row.priceId,
      lookupKey: row.lookupKey,
      currency: row.currency,
      unitAmount: row.unitAmount,
      interval: row.interval,
      tier: row.tier,
      minSeats: row.minSeats,
      maxSeats: row.maxSeats,
      accessDays: row.accessDays,
      trial: row.trial,
      features: row.priceFeatures,
    });
  }
  for (const product of byKey.values()) {
    product.prices.sort((a, b) => (a.interval ?? "").localeCompare(b.interval ?? "") || (a.minSeats ?? 0) - (b.minSeats ?? 0));
  }
  return { products: [...byKey.values()] };
}

/**
 * The public catalog's version (one row, bumped by triggers on every catalog write: migration 0012):
 * the storefront cache's key, so an admin's change is visible at once.
 */
export async function catalogVersion(deps: { db: Db }): Promise<number> {
  const row = await deps.db.$client.prepare("SELECT version FROM catalog_version WHERE id = 1").first<{ version: number }>();
  return row?.version ?? 0;
}
