// Add-ons (ADR 019): a product sold on top of a base product, bought as an extra item on the
// tenant's live subscription to that product. Pay first: Stripe invoices the prorated amount at
// once and refuses the change when it cannot be paid. D1 learns of the add-on only from Stripe's
// event (the webhook's subscription sync gives it an entitlement). Removing it (the billing page or
// Stripe's portal) asks Stripe to delete the item; the feature leaves with Stripe's event.
import { and, eq, like } from "drizzle-orm";
import { type Locale } from "../../i18n/config";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert } from "../audit/audit.server";
import { localizeCatalogRow } from "../catalog/catalog-text";
import { ensureStripePrice, loadPrice } from "../catalog/stripe-catalog.server";
import { isLive } from "../entitlements/live";
import { AppError, withValues } from "../errors";
import { loadSeatPlan, type SeatPlan } from "../seats/billing.server";
import { type ManagedTenant } from "../seats/seats.server";
import { addonSourceRef } from "./sync.server";
import { type BillingGateway } from "./types";

export type AddonOffer = {
  priceId: string;
  productKey: string;
  name: string;
  description: string;
  unitAmount: number;
  currency: string;
  interval: "month" | "year";
  /** A live entitlement from this add-on's item on the subscription. */
  owned: boolean;
};

/**
 * The add-ons the tenant's live subscription can carry (same billing interval: Stripe bills every item
 * together), named and described in `locale` where the catalog has the text (ADR 026).
 */
export async function loadAddonOffers(deps: { db: Db; tenant: ManagedTenant; now: number; locale: Locale }): Promise<{
  plan: SeatPlan | null;
  offers: AddonOffer[];
}> {
  const { db, tenant, now } = deps;
  const plan = await loadSeatPlan(deps);
  if (!plan) return { plan, offers: [] };
  const sub = await db
    .select({ productId: schema.subscriptions.productId })
    .from(schema.subscriptions)
    .where(eq(schema.subscriptions.id, plan.subscriptionRowId))
    .get();
  if (!sub) return { plan, offers: [] };
  const rows = await db
    .select({ price: schema.productPrices, product: schema.products })
    .from(schema.productPrices)
    .innerJoin(schema.products, eq(schema.products.id, schema.productPrices.productId))
    .where(
      and(
        eq(schema.products.baseProductId, sub.productId),
        eq(schema.products.published, true),
        eq(schema.productPrices.published, true),
        eq(schema.productPrices.archived, false),
        eq(schema.productPrices.interval, plan.price.interval),
      ),
    );
  const ent = schema.tenantProductEntitlements;
  const addonEnts = await db
    .select()
    .from(ent)
    .where(and(eq(ent.tenantId, tenant.id), like(ent.sourceRef, `${plan.stripeSubscriptionId}:%`)));
  return {
    plan,
    offers: rows.map(({ price, product }) => ({
      priceId: price.id,
      productKey: product.key,
      ...localizeCatalogRow({ name: product.name, description: product.description, translations: product.translations }, deps.locale),
      unitAmount: price.unitAmount,
      currency: price.currency,
      interval: plan.price.interval,
      owned: addonEnts.some((e) => e.sourceRef === addonSourceRef(plan.stripeSubscriptionId, price.id) && isLive(e, now)),
    })),
  };
}

type AddonDeps = { db: Db; gateway: BillingGateway; tenant: ManagedTenant; priceId: string; now: number; locale: Locale };

/**
 * The tenant's live plan, the add-on offer a purchase (not yet owned) or a removal (owned) names,
 * and its Stripe price: 409 without a plan or (removal) when it is not on the subscription, 422
 * for an add-on the plan does not offer.
 */
async function addonOnPlan(deps: AddonDeps, change: "buy" | "remove") {
  const { plan, offers } = await loadAddonOffers(deps);
  if (!plan)
    throw new AppError({
      code: "no_subscription",
      status: 409,
      message:
        change === "buy"
          ? "This organisation has no active subscription to add to."
          : "This organisation has no active subscription to change.",
    });
  const offer = offers.find((o) => o.priceId === deps.priceId && (change === "buy" || o.owned));
  if (!offer && change === "buy")
    throw new AppError({
      code: "unknown_addon",
      status: 422,
      message: "This add-on is not available for your plan.",
      details: { fieldErrors: { priceId: ["This add-on is not available for your plan."] } },
    });
  if (!offer)
    throw new AppError({
      code: "not_on_subscription",
      status: 409,
      message: "That add-on is not on your subscription.",
      details: { fieldErrors: { priceId: ["That add-on is not on your subscription."] } },
    });
  if (change === "buy" && offer.owned)
    throw new AppError({
      code: "already_owned",
      status: 409,
      ...withValues("{{addon}} is already on your subscription.", { addon: offer.name }),
    });
  const price = await loadPrice(deps.db, offer.priceId);
  if (!price) throw new Error(`price ${offer.priceId} vanished`);
  return { plan, offer, stripePriceId: await ensureStripePrice({ db: deps.db, gateway: deps.gateway, price }) };
}

/**
 * Asks Stripe to add the add-on's item to the tenant's subscription, invoicing the prorated amount
 * now (a declined card changes nothing). The Idempotency-Key names our subscription row, the version
 * of it we decided on and the price, so a double submit adds one item. Audited; access follows
 * Stripe's event.
 */
export async function buyAddon(deps: {
  db: Db;
  gateway: BillingGateway;
  tenant: ManagedTenant;
  actorUserId: string;
  priceId: string;
  now: number;
  locale: Locale;
}): Promise<{ name: string }> {
  const { db, tenant, now } = deps;
  const { plan, offer, stripePriceId } = await addonOnPlan(deps, "buy");
  const idempotencyKey = `addon-${plan.subscriptionRowId}-${plan.syncedAt ?? 0}-${offer.priceId}`;
  const outcome = await deps.gateway.addSubscriptionItem({ idempotencyKey, subscriptionId: plan.stripeSubscriptionId, stripePriceId });
  if (!outcome.ok) {
    throw new AppError({
      code: outcome.reason,
      status: outcome.reason === "card_declined" ? 402 : 409,
      // Stripe's own reason stays as Stripe gave it, inside our translated sentence.
      ...(outcome.reason === "card_declined"
        ? withValues("The card was declined, so {{addon}} was not added. {{reason}}", { addon: offer.name, reason: outcome.message })
        : { message: outcome.message }),
    });
  }
  await db.batch([
    auditInsert(db, {
      actor: { type: "user", id: deps.actorUserId },
      action: "addon.purchase_requested",
      tenantId: tenant.id,
      target: { type: "subscription", id: plan.stripeSubscriptionId },
      before: null,
      after: { priceId: offer.priceId, product: offer.productKey },
      reason: `Stripe accepted the add-on (Idempotency-Key ${idempotencyKey}); access follows Stripe's event`,
      at: now,
    }),
  ]);
  return { name: offer.name };
}

/**
 * Asks Stripe to remove the add-on's item from the tenant's subscription (the unused time is credited
 * on the next invoice). Nothing changes in D1 here: the add-on's entitlement ends when Stripe's event
 * arrives (the webhook's sync cancels an add-on whose item is gone). The Idempotency-Key names our
 * subscription row, the version of it we decided on and the price, so a double submit removes once.
 */
export async function removeAddon(deps: {
  db: Db;
  gateway: BillingGateway;
  tenant: ManagedTenant;
  actorUserId: string;
  priceId: string;
  now: number;
  locale: Locale;
}): Promise<{ name: string }> {
  const { db, tenant, now } = deps;
  const { plan, offer, stripePriceId } = await addonOnPlan(deps, "remove");
  const idempotencyKey = `addon-remove-${plan.subscriptionRowId}-${plan.syncedAt ?? 0}-${offer.priceId}`;
  const { removed } = await deps.gateway.removeSubscriptionItem({
    idempotencyKey,
    subscriptionId: plan.stripeSubscriptionId,
    stripePriceId,
  });
  await db.batch([
    auditInsert(db, {
      actor: { type: "user", id: deps.actorUserId },
      action: "addon.removal_requested",
      tenantId: tenant.id,
      target: { type: "subscription", id: plan.stripeSubscriptionId },
      before: { priceId: offer.priceId, product: offer.productKey },
      after: null,
      reason: removed
        ? `Stripe removed the add-on's item (Idempotency-Key ${idempotencyKey}); access ends with Stripe's event`
        : "The add-on's item was already gone in Stripe; access ends with Stripe's event",
      at: now,
    }),
  ]);
  return { name: offer.name };
}
