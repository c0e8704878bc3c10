import { and, eq, inArray, ne } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert } from "../audit/audit.server";
import { type IntentState, statesBelow } from "./intent-state";
import { billingNoticeStatements } from "./notices.server";
import { type Outcome, provisionCheckout } from "./provision.server";
import { resumeOnCustomerUpdated } from "./resume.server";
import { entitlementIdFor, subscriptionSyncStatements, tenantForSubscription } from "./sync.server";
import { type BillingEvent, type BillingGateway } from "./types";

type Deps = { db: Db; gateway: BillingGateway; event: BillingEvent; graceDays: number; appUrl: string; now: number };

const SUBSCRIPTION_EVENTS = new Set([
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.trial_will_end",
  // A trial that ended without a payment method pauses the subscription; adding one and resuming ends the pause.
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "invoice.paid",
  "invoice.payment_failed",
]);

const HANDLED = new Set([
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
  "charge.refunded",
  // The billing portal makes a newly added card the customer's invoice default: a paused subscription is resumed with it.
  "customer.updated",
  ...SUBSCRIPTION_EVENTS,
]);

/** The event types to enable on the Stripe webhook endpoint (docs/stripe-onboarding.md lists the same; a test compares). */
export const HANDLED_EVENT_TYPES: readonly string[] = [...HANDLED];

/** Whether any handler below acts on this event type; every other type is recorded as ignored. */
export const actsOn = (type: string) => HANDLED.has(type);

/**
 * What one verified Stripe event changes. Order independence: every handler reads the object's
 * current state from Stripe rather than trusting the event's copy, intents only move forward, and
 * rows carry the time they were synced (docs/decisions/006-webhook-order-independence.md).
 */
export async function handleBillingEvent(deps: Deps): Promise<Outcome> {
  const { event } = deps;
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      const session = await deps.gateway.retrieveCheckoutSession(requireObject(event));
      const paid = session.paymentStatus === "paid" || session.paymentStatus === "no_payment_required";
      if (session.status !== "complete" || !paid) {
        return { status: "processed", tenantId: null, statements: [], note: "payment not confirmed yet" };
      }
      return provisionCheckout(deps, session);
    }
    case "checkout.session.async_payment_failed":
      return intentExit(deps, requireObject(event), "failed");
    case "checkout.session.expired":
      return intentExit(deps, requireObject(event), "expired");
    case "charge.refunded":
      return chargeRefunded(deps, requireObject(event));
    case "customer.updated":
      return resumeOnCustomerUpdated(deps);
    default:
      if (SUBSCRIPTION_EVENTS.has(event.type) && event.subscriptionId) return syncSubscription(deps, event.subscriptionId);
      return { status: "ignored", tenantId: null, statements: [], note: `${event.type} is not used` };
  }
}

function requireObject(event: BillingEvent): string {
  if (!event.objectId) throw new Error(`${event.type} ${event.id} carries no object id`);
  return event.objectId;
}

async function intentExit(deps: Deps, checkoutSessionId: string, to: IntentState & ("failed" | "expired")): Promise<Outcome> {
  const { db } = deps;
  const intent = await db
    .select({ id: schema.purchaseIntents.id, userId: schema.purchaseIntents.userId })
    .from(schema.purchaseIntents)
    .where(eq(schema.purchaseIntents.stripeCheckoutSessionId, checkoutSessionId))
    .get();
  if (!intent) return { status: "ignored", tenantId: null, statements: [], note: "unknown checkout session" };
  return {
    status: "processed",
    tenantId: null,
    statements: [
      db
        .update(schema.purchaseIntents)
        .set({
          state: to,
          lastEventId: deps.event.id,
          failureReason: to === "failed" ? "asynchronous payment failed" : null,
          updatedAt: deps.now,
        })
        .where(and(eq(schema.purchaseIntents.id, intent.id), inArray(schema.purchaseIntents.state, statesBelow(to)))),
    ],
  };
}

async function syncSubscription(deps: Deps, subscriptionId: string): Promise<Outcome> {
  const { db, event } = deps;
  const sub = await deps.gateway.retrieveSubscription(subscriptionId);
  const tenantId = await tenantForSubscription(db, sub);
  // Not provisioned yet: the checkout's provisioning copies the subscription as it is then.
  if (!tenantId) return { status: "processed", tenantId: null, statements: [], note: "subscription not provisioned yet" };
  const statements = await subscriptionSyncStatements({
    db,
    tenantId,
    sub,
    source: sub.metadata.bundle_checkout_session ? "trial" : "stripe_subscription",
    actor: { type: "stripe_event", id: event.id },
    eventCreated: event.created,
    graceDays: deps.graceDays,
    syncedAt: Date.now(),
    now: deps.now,
  });
  statements.push(
    ...(await billingNoticeStatements({ db, event, tenantId, sub, graceDays: deps.graceDays, appUrl: deps.appUrl, now: deps.now })),
  );
  if (event.type === "customer.subscription.trial_will_end") {
    statements.push(
      db
        .update(schema.subscriptions)
        .set({ trialWillEndNotifiedAt: event.created })
        .where(eq(schema.subscriptions.stripeSubscriptionId, sub.id)),
    );
  }
  return { status: "processed", tenantId, statements };
}

/** A full refund of a one-time purchase revokes what it bought; a partial refund keeps it. */
async function chargeRefunded(deps: Deps, chargeId: string): Promise<Outcome> {
  const { db, event } = deps;
  const charge = await deps.gateway.retrieveCharge(chargeId);
  if (!charge.paymentIntentId) return { status: "ignored", tenantId: null, statements: [], note: "charge without payment intent" };
  const entitlement = await db
    .select()
    .from(schema.tenantProductEntitlements)
    .where(eq(schema.tenantProductEntitlements.id, entitlementIdFor(charge.paymentIntentId)))
    .get();
  if (!entitlement) return { status: "ignored", tenantId: null, statements: [], note: "no entitlement for this payment" };
  const full = charge.amount > 0 && charge.amountRefunded >= charge.amount;
  if (!full || entitlement.status === "revoked") {
    return {
      status: "processed",
      tenantId: entitlement.tenantId,
      statements: [],
      note: full ? "already revoked" : "partial refund keeps access",
    };
  }
  return {
    status: "processed",
    tenantId: entitlement.tenantId,
    statements: [
      db
        .update(schema.tenantProductEntitlements)
        .set({ status: "revoked", validUntil: deps.now, updatedAt: deps.now })
        .where(and(eq(schema.tenantProductEntitlements.id, entitlement.id), ne(schema.tenantProductEntitlements.status, "revoked"))),
      auditInsert(db, {
        actor: { type: "stripe_event", id: event.id },
        action: "entitlement.revoked",
        tenantId: entitlement.tenantId,
        target: { type: "entitlement", id: entitlement.id },
        before: { status: entitlement.status },
        after: { status: "revoked" },
        reason: `Charge ${charge.id} fully refunded`,
        at: deps.now,
      }),
    ],
  };
}
