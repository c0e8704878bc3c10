import { and, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { type Locale } from "../../i18n/config";
import { type Db, schema } from "../../infra/d1/db.server";
import { localizeCatalogRow, localizedName } from "../catalog/catalog-text";
import { track } from "../analytics/track.server";
import { statesBelow } from "./intent-state";
import { type BillingGateway } from "./types";

export type IntentView = {
  id: string;
  state: string;
  /** What was bought: whether it has seats, is still on sale through Checkout (published, not an add-on). */
  product: { key: string; name: string; seatBased: boolean; startable: boolean };
  /** The trial the price bought starts too (a price_trials row), or null. */
  trial: { days: number; productName: string } | null;
  /** The billing interval of the price bought (null for one-time prices), for "try again". */
  interval: "month" | "year" | null;
  quantity: number;
  tenant: { id: string; name: string; slug: string } | null;
  createdAt: number;
  updatedAt: number;
};

// The product a price's trial is of (trials as data, ADR 018).
const trialPrice = alias(schema.productPrices, "trial_price");
const trialProduct = alias(schema.products, "trial_product");

/** An intent as its buyer sees it (product names in `locale`, ADR 026); anyone else gets null (and a 404 at the edge). */
export async function getIntentForBuyer(deps: { db: Db; intentId: string; userId: string; locale: Locale }): Promise<IntentView | null> {
  const row = await deps.db
    .select({
      intent: schema.purchaseIntents,
      product: schema.products,
      interval: schema.productPrices.interval,
      tenant: schema.tenants,
      trialDays: schema.priceTrials.days,
      trialProduct: trialProduct.name,
      trialTranslations: trialProduct.translations,
    })
    .from(schema.purchaseIntents)
    .innerJoin(schema.products, eq(schema.products.id, schema.purchaseIntents.productId))
    .innerJoin(schema.productPrices, eq(schema.productPrices.id, schema.purchaseIntents.priceId))
    .leftJoin(schema.tenants, eq(schema.tenants.id, schema.purchaseIntents.provisionedTenantId))
    .leftJoin(schema.priceTrials, eq(schema.priceTrials.priceId, schema.purchaseIntents.priceId))
    .leftJoin(trialPrice, eq(trialPrice.id, schema.priceTrials.trialPriceId))
    .leftJoin(trialProduct, eq(trialProduct.id, trialPrice.productId))
    .where(and(eq(schema.purchaseIntents.id, deps.intentId), eq(schema.purchaseIntents.userId, deps.userId)))
    .get();
  if (!row) return null;
  return {
    id: row.intent.id,
    state: row.intent.state,
    product: {
      key: row.product.key,
      name: localizeCatalogRow(row.product, deps.locale).name,
      seatBased: row.product.seatBased,
      startable: row.product.published && row.product.baseProductId === null,
    },
    trial:
      row.trialDays !== null && row.trialProduct !== null
        ? {
            days: row.trialDays,
            productName: localizedName(row.trialProduct, row.trialTranslations, deps.locale),
          }
        : null,
    interval: row.interval,
    quantity: row.intent.quantity,
    tenant: row.tenant ? { id: row.tenant.id, name: row.tenant.name, slug: row.tenant.slug } : null,
    createdAt: row.intent.createdAt,
    updatedAt: row.intent.updatedAt,
  };
}

/**
 * The buyer came back through Cancel: expire the Checkout Session so the old link cannot be paid
 * later, then mark the intent canceled. If Stripe says it was paid after all, nothing is canceled.
 */
export async function cancelIntent(deps: {
  db: Db;
  gateway: BillingGateway;
  intentId: string;
  userId: string;
  now: number;
  locale: Locale;
}): Promise<IntentView | null> {
  const view = await getIntentForBuyer(deps);
  if (!view) return null;
  const intent = await deps.db.select().from(schema.purchaseIntents).where(eq(schema.purchaseIntents.id, deps.intentId)).get();
  if (intent?.state === "checkout_open" && intent.stripeCheckoutSessionId) {
    const session = await deps.gateway.retrieveCheckoutSession(intent.stripeCheckoutSessionId);
    const final = session.status === "open" ? await deps.gateway.expireCheckoutSession(session.id) : session;
    if (final.status === "expired") {
      await deps.db
        .update(schema.purchaseIntents)
        .set({ state: "canceled", updatedAt: deps.now })
        .where(and(eq(schema.purchaseIntents.id, intent.id), inArray(schema.purchaseIntents.state, statesBelow("canceled"))));
    }
    await track({ db: deps.db, name: "checkout_cancel", userId: deps.userId, properties: { intentId: intent.id }, now: deps.now });
  }
  return getIntentForBuyer(deps);
}
