// Buying and reducing seats: the decision is pure (rules.decideQuantityChange); Stripe carries it
// out; D1's capacity changes only when Stripe's event arrives through the webhook sync.
import { and, desc, eq, inArray } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert } from "../audit/audit.server";
import { type BillingGateway, type SeatChangePreview } from "../billing/types";
import { ensureStripePrice, loadPrice } from "../catalog/stripe-catalog.server";
import { entitlementStatusFor } from "../entitlements/from-subscription";
import { isLiveStatus } from "../entitlements/live";
import { AppError, withValues } from "../errors";
import { loadSeatState } from "./allocator.server";
import { checkQuoteTime, decideQuantityChange, type TierPrice } from "./rules";
import { type ManagedTenant, refusalToError } from "./seats.server";

export type SeatPlan = {
  subscriptionRowId: string;
  stripeSubscriptionId: string;
  status: string;
  quantity: number;
  syncedAt: number | null;
  price: { id: string; interval: "month" | "year"; tier: string | null; unitAmount: number; currency: string };
  prices: (TierPrice & { currency: string })[];
  assigned: number;
  bounds: { min: number; max: number };
  compliance: "ok" | "over_limit";
};

/** The tenant's live, Stripe-billed seat subscription with the tiers it can move between (null when none). */
export async function loadSeatPlan(deps: { db: Db; tenant: ManagedTenant; now: number }): Promise<SeatPlan | null> {
  const { db, tenant } = deps;
  const state = await loadSeatState({ db, tenantId: tenant.id, now: deps.now });
  if (!state.entitlementId) return null;
  const ent = await db
    .select({
      source: schema.tenantProductEntitlements.source,
      sourceRef: schema.tenantProductEntitlements.sourceRef,
      productId: schema.tenantProductEntitlements.productId,
    })
    .from(schema.tenantProductEntitlements)
    .where(eq(schema.tenantProductEntitlements.id, state.entitlementId))
    .get();
  if (!ent || (ent.source !== "stripe_subscription" && ent.source !== "trial")) return null;
  const sub = await db
    .select()
    .from(schema.subscriptions)
    .where(and(eq(schema.subscriptions.stripeSubscriptionId, ent.sourceRef), eq(schema.subscriptions.tenantId, tenant.id)))
    .get();
  if (!sub?.priceId || !isLiveStatus(entitlementStatusFor(sub.status))) return null;
  const prices = await db
    .select()
    .from(schema.productPrices)
    .where(
      and(
        eq(schema.productPrices.productId, ent.productId),
        eq(schema.productPrices.archived, false),
        inArray(schema.productPrices.interval, ["month", "year"]),
      ),
    )
    .orderBy(desc(schema.productPrices.createdAt));
  const current = prices.find((p) => p.id === sub.priceId) ?? (await loadPrice(db, sub.priceId));
  if (!current?.interval) return null;
  // The published tiers of the subscription's interval (and the current price, even if unpublished since).
  const tiers = prices.filter((p) => p.interval === current.interval && (p.published || p.id === current.id));
  const ofInterval = tiers.map((p) => ({
    id: p.id,
    interval: p.interval,
    minSeats: p.minSeats,
    maxSeats: p.maxSeats,
    unitAmount: p.unitAmount,
    tier: p.tier,
    currency: p.currency,
  }));
  return {
    subscriptionRowId: sub.id,
    stripeSubscriptionId: sub.stripeSubscriptionId,
    status: sub.status,
    quantity: sub.quantity,
    syncedAt: sub.stripeSyncedAt,
    price: { id: current.id, interval: current.interval, tier: current.tier, unitAmount: current.unitAmount, currency: current.currency },
    prices: ofInterval,
    assigned: state.seated.length,
    bounds: {
      min: Math.min(...ofInterval.map((p) => p.minSeats ?? 1)),
      max: Math.max(...ofInterval.map((p) => p.maxSeats ?? p.minSeats ?? 1)),
    },
    compliance: state.compliance,
  };
}

function requirePlan(plan: SeatPlan | null): SeatPlan {
  if (!plan)
    throw new AppError({ code: "no_subscription", status: 409, message: "This organisation has no active seat subscription to change." });
  return plan;
}

function decide(plan: SeatPlan, quantity: number) {
  return decideQuantityChange({
    current: { quantity: plan.quantity, priceId: plan.price.id, interval: plan.price.interval },
    requested: quantity,
    assigned: plan.assigned,
    prices: plan.prices,
  });
}

export type SeatQuote = {
  quantity: number;
  tier: string | null;
  unitAmount: number;
  currency: string;
  /** Price per period for the new seat count. */
  periodTotal: number;
  interval: "month" | "year";
  proration: "always_invoice" | "create_prorations";
  /** What the preview was computed as of (epoch ms, whole seconds); confirming the quote bills as of it too. */
  prorationDate: number;
  preview: SeatChangePreview;
};

/** The live price and Stripe's proration preview for a new seat count, changing nothing. */
export async function quoteSeatChange(deps: {
  db: Db;
  gateway: BillingGateway;
  tenant: ManagedTenant;
  quantity: number;
  now: number;
}): Promise<SeatQuote | null> {
  const plan = requirePlan(await loadSeatPlan(deps));
  const d = decide(plan, deps.quantity);
  if (!d.ok) throw refusalToError(d);
  if (d.action === "none") return null;
  const price = await loadPrice(deps.db, d.priceId);
  if (!price) throw new Error(`price ${d.priceId} vanished`);
  const stripePriceId = await ensureStripePrice({ db: deps.db, gateway: deps.gateway, price });
  // Stripe prorates to the second; the page posts this back so the charge is exactly the preview.
  const prorationDate = Math.floor(deps.now / 1000) * 1000;
  const preview = await deps.gateway.previewSeatChange({
    subscriptionId: plan.stripeSubscriptionId,
    stripePriceId,
    quantity: deps.quantity,
    proration: d.proration,
    prorationDate,
  });
  return {
    quantity: deps.quantity,
    tier: d.tier,
    unitAmount: d.unitAmount,
    currency: price.currency,
    periodTotal: d.unitAmount * deps.quantity,
    interval: plan.price.interval,
    proration: d.proration,
    prorationDate,
    preview,
  };
}

/**
 * Asks Stripe to bill a new seat count (price and quantity together when a tier boundary is
 * crossed). Never below the seats in use. Billed as of the confirmed quote's proration date (at
 * most an hour old), so the charge is the amount the page showed. The Idempotency-Key names our
 * subscription row, the version of it we decided on, the target and the quote, so a double submit
 * changes Stripe once. D1's capacity follows when Stripe's event arrives.
 */
export async function changeSeatQuantity(deps: {
  db: Db;
  gateway: BillingGateway;
  tenant: ManagedTenant;
  actorUserId: string;
  quantity: number;
  prorationDate: number;
  now: number;
}) {
  const { db, tenant, now, prorationDate } = deps;
  const fresh = checkQuoteTime({ prorationDate, now });
  if (!fresh.ok) throw refusalToError(fresh);
  const plan = requirePlan(await loadSeatPlan(deps));
  const d = decide(plan, deps.quantity);
  if (!d.ok) throw refusalToError(d);
  if (d.action === "none") return { changed: false as const, quantity: plan.quantity };
  const price = await loadPrice(db, d.priceId);
  if (!price) throw new Error(`price ${d.priceId} vanished`);
  const stripePriceId = await ensureStripePrice({ db, gateway: deps.gateway, price });
  const idempotencyKey = `seats-${plan.subscriptionRowId}-${plan.syncedAt ?? 0}-${d.priceId}-${deps.quantity}-${prorationDate}`;
  const outcome = await deps.gateway.changeSeats({
    idempotencyKey,
    subscriptionId: plan.stripeSubscriptionId,
    stripePriceId,
    quantity: deps.quantity,
    proration: d.proration,
    prorationDate,
  });
  if (!outcome.ok) {
    throw new AppError({
      code: outcome.reason,
      status: outcome.reason === "card_declined" ? 402 : 409,
      // Stripe's own reason stays as Stripe gave it, inside our translated sentence.
      ...(outcome.reason === "card_declined"
        ? withValues("The card was declined, so the seats were not changed. {{reason}}", { reason: outcome.message })
        : { message: outcome.message }),
    });
  }
  await db.batch([
    auditInsert(db, {
      actor: { type: "user", id: deps.actorUserId },
      action: "seats.quantity_change_requested",
      tenantId: tenant.id,
      target: { type: "subscription", id: plan.stripeSubscriptionId },
      before: d.before,
      after: { ...d.after, tier: d.tier },
      reason: `Stripe accepted the change (Idempotency-Key ${idempotencyKey}); capacity follows Stripe's event`,
      at: now,
    }),
  ]);
  return { changed: true as const, quantity: deps.quantity, tier: d.tier };
}
