import { and, eq, inArray } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert, type Actor } from "../audit/audit.server";
import { AppError, conflict, isAppError, withValues } from "../errors";
import { managedBillingCustomer } from "./portal.server";
import { type Outcome } from "./provision.server";
import { type Statement } from "./sync.server";
import { type BillingEvent, type BillingGateway, type ResumeOutcome } from "./types";

// A trial that ended without a card is paused (ADR 016). Adding a card in Stripe's billing portal does
// not resume it; the app does, pay-first, when the customer's invoice default becomes a card
// (customer.updated) or when an owner or admin asks. Access itself still comes back only through the
// subscription's own events (the resumed subscription re-read from Stripe, ADR 006): nothing here
// writes an entitlement.

type Attempt = { subscriptionId: string; paymentMethodId: string; outcome: ResumeOutcome };

type Plan =
  | { kind: "nothing_paused" }
  | { kind: "no_payment_method"; paused: string[] }
  | { kind: "attempted"; attempts: Attempt[]; statements: Statement[] };

// Trialing too: Stripe may have paused it before its pause event reached us.
const MAYBE_PAUSED = ["paused", "trialing"] as const;

/** The tenant's subscriptions Stripe reports as paused right now. */
async function pausedSubscriptions(deps: { db: Db; gateway: BillingGateway; tenantId: string }): Promise<string[]> {
  const rows = await deps.db
    .select({ id: schema.subscriptions.stripeSubscriptionId })
    .from(schema.subscriptions)
    .where(and(eq(schema.subscriptions.tenantId, deps.tenantId), inArray(schema.subscriptions.status, [...MAYBE_PAUSED])))
    .all();
  const paused: string[] = [];
  for (const row of rows) if ((await deps.gateway.retrieveSubscription(row.id)).status === "paused") paused.push(row.id);
  return paused;
}

/**
 * Resumes every paused subscription of the tenant with the customer's invoice default card (or, when
 * `adoptNewestCard`, the newest attached card, made the default first). Every Stripe write carries a
 * key from our ids and the card, so a redelivered or concurrent event, or a second click, is the same
 * request and never a second invoice or charge; a new card is a new attempt. Each attempt is audited.
 */
async function resumeWithCard(deps: {
  db: Db;
  gateway: BillingGateway;
  tenantId: string;
  customerId: string;
  actor: Actor;
  reason: string;
  adoptNewestCard: boolean;
  now: number;
}): Promise<Plan> {
  const paused = await pausedSubscriptions(deps);
  if (paused.length === 0) return { kind: "nothing_paused" };
  const cards = await deps.gateway.customerPaymentMethods(deps.customerId);
  let card = cards.defaultPaymentMethodId;
  if (!card && deps.adoptNewestCard && cards.paymentMethodIds[0]) {
    card = cards.paymentMethodIds[0];
    await deps.gateway.setDefaultPaymentMethod({
      idempotencyKey: `default-pm-${deps.customerId}-${card}`,
      customerId: deps.customerId,
      paymentMethodId: card,
    });
  }
  if (!card) return { kind: "no_payment_method", paused };
  const attempts: Attempt[] = [];
  for (const subscriptionId of paused) {
    const outcome = await deps.gateway.resumeSubscription({
      idempotencyKey: `resume-${subscriptionId}-${card}`,
      subscriptionId,
      paymentMethodId: card,
    });
    attempts.push({ subscriptionId, paymentMethodId: card, outcome });
  }
  const statements = attempts.map((a) =>
    auditInsert(deps.db, {
      actor: deps.actor,
      action: "subscription.resume_requested",
      tenantId: deps.tenantId,
      target: { type: "subscription", id: a.subscriptionId },
      before: { status: "paused" },
      after: { result: a.outcome.result, stripeStatus: a.outcome.status, paymentMethodId: a.paymentMethodId },
      reason: a.outcome.result === "payment_failed" ? `${deps.reason}; the payment failed: ${a.outcome.message}` : deps.reason,
      at: deps.now,
    }),
  );
  return { kind: "attempted", attempts, statements };
}

/** customer.updated: if the tenant's customer now has a default card and a paused subscription, resume it. */
export async function resumeOnCustomerUpdated(deps: {
  db: Db;
  gateway: BillingGateway;
  event: BillingEvent;
  now: number;
}): Promise<Outcome> {
  const customerId = deps.event.customerId;
  const tenant = customerId
    ? await deps.db.select({ id: schema.tenants.id }).from(schema.tenants).where(eq(schema.tenants.stripeCustomerId, customerId)).get()
    : undefined;
  if (!customerId || !tenant) return { status: "processed", tenantId: null, statements: [], note: "no organisation for this customer" };
  const plan = await resumeWithCard({
    ...deps,
    tenantId: tenant.id,
    customerId,
    actor: { type: "stripe_event", id: deps.event.id },
    reason: `The customer's default payment method changed (${deps.event.type} ${deps.event.id})`,
    adoptNewestCard: false,
  });
  if (plan.kind !== "attempted") {
    return {
      status: "processed",
      tenantId: tenant.id,
      statements: [],
      note: plan.kind === "nothing_paused" ? "nothing paused" : "paused, but no default payment method yet",
    };
  }
  const failed = plan.attempts.filter((a) => a.outcome.result === "payment_failed");
  return {
    status: "processed",
    tenantId: tenant.id,
    statements: plan.statements,
    note: failed.length > 0 ? `resume payment failed for ${failed.map((a) => a.subscriptionId).join(", ")}` : undefined,
  };
}

/**
 * "Resume subscription" on the dashboard: owners and admins of the tenant only (403 otherwise); 409
 * when nothing is paused, 422 without a payment method, 402 when the resumption payment fails (the
 * attempt is audited either way, and the subscription stays paused).
 */
export async function resumeTenantSubscription(deps: { db: Db; gateway: BillingGateway; userId: string; slug: string; now: number }) {
  const { tenant, customerId } = await managedBillingCustomer(deps);
  const plan = await resumeWithCard({
    db: deps.db,
    gateway: deps.gateway,
    tenantId: tenant.id,
    customerId,
    actor: { type: "user", id: deps.userId },
    reason: "Resume requested from the dashboard by an owner or admin",
    adoptNewestCard: true,
    now: deps.now,
  });
  if (plan.kind === "nothing_paused") {
    throw conflict(
      "nothing_paused",
      withValues("Nothing of {{organisation}} is paused, so there is nothing to resume.", { organisation: tenant.name }),
    );
  }
  if (plan.kind === "no_payment_method") {
    throw new AppError({
      code: "no_payment_method",
      status: 422,
      message: "Add a payment method in the billing portal first; the subscription resumes once it is charged.",
    });
  }
  await deps.db.batch(plan.statements as [Statement, ...Statement[]]);
  const failed = plan.attempts.find((a) => a.outcome.result === "payment_failed");
  if (failed?.outcome.result === "payment_failed") {
    throw new AppError({
      code: "payment_failed",
      status: 402,
      // Stripe's reason first, as Stripe gave it; our sentence after it is translated.
      ...withValues("{{reason}} The subscription stays paused: add another payment method in the billing portal.", {
        reason: failed.outcome.message,
      }),
    });
  }
  return { resumed: plan.attempts.length };
}

/**
 * Of these tenants, those whose Stripe customer has a card on file, so their paused banner offers
 * "Resume subscription". Stripe unreachable counts as yes: the button's answer then says what is wrong.
 */
export async function tenantsWithCardOnFile(deps: {
  gateway: BillingGateway;
  tenants: { id: string; customerId: string | null }[];
}): Promise<string[]> {
  const out: string[] = [];
  for (const row of deps.tenants) {
    if (!row.customerId) continue;
    const hasCard = await deps.gateway.customerPaymentMethods(row.customerId).then(
      (c) => c.paymentMethodIds.length > 0,
      (e: unknown) => {
        if (isAppError(e) && e.code === "payment_provider_unavailable") return true;
        throw e;
      },
    );
    if (hasCard) out.push(row.id);
  }
  return out;
}
