import { and, eq, inArray } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert, type Actor } from "../audit/audit.server";
import { ensureStripePrice, loadPrice } from "../catalog/stripe-catalog.server";
import { LIVE_STATUSES } from "../entitlements/live";
import { statesBelow } from "./intent-state";
import { entitlementIdFor, ownerSeatStatements, type Statement, subscriptionSyncStatements } from "./sync.server";
import { type BillingEvent, type BillingGateway, type CheckoutSnapshot } from "./types";
import { freeSlug, newTenantStatements, ownerMembershipInsert } from "../tenants/new-tenant.server";

const DAY = 24 * 60 * 60 * 1000;

export type Outcome = { status: "processed" | "ignored"; tenantId: string | null; statements: Statement[]; note?: string };

type Deps = { db: Db; gateway: BillingGateway; event: BillingEvent; graceDays: number; now: number };

/** The tenant id a paid intent provisions: derived from the intent, so every retry names the same tenant. */
export const tenantIdForIntent = (intentId: string) => `ten_${intentId.replace(/^int_/, "")}`;

/**
 * Provisions what a confirmed payment bought, in one batch with the inbox mark: the tenant (new,
 * or the buyer's existing one), the owner membership and seat, the subscription row, the
 * entitlement, the trial the price includes, the intent -> provisioned, audit rows naming the event.
 */
export async function provisionCheckout(deps: Deps, session: CheckoutSnapshot): Promise<Outcome> {
  const { db, event, now } = deps;
  const intentId = session.metadata.intent_id ?? session.clientReferenceId;
  if (!intentId) return { status: "ignored", tenantId: null, statements: [], note: "checkout session without an intent" };
  const intent = await db.select().from(schema.purchaseIntents).where(eq(schema.purchaseIntents.id, intentId)).get();
  if (!intent) return { status: "ignored", tenantId: null, statements: [], note: `unknown intent ${intentId}` };
  if (intent.state === "provisioned") {
    return { status: "processed", tenantId: intent.provisionedTenantId, statements: [], note: "already provisioned" };
  }

  // Stays visible as "paid" even if provisioning below fails; the retry picks it up from there.
  await db
    .update(schema.purchaseIntents)
    .set({ state: "paid", lastEventId: event.id, updatedAt: now })
    .where(and(eq(schema.purchaseIntents.id, intent.id), inArray(schema.purchaseIntents.state, statesBelow("paid"))));

  const price = await loadPrice(db, intent.priceId);
  if (!price) throw new Error(`intent ${intent.id} names unknown price ${intent.priceId}`);
  const actor: Actor = { type: "stripe_event", id: event.id };
  const customerId = session.customerId ?? intent.stripeCustomerId;
  if (!customerId) throw new Error(`checkout ${session.id} has no customer`);

  // Which tenant: the one the intent was for; else the one this buyer's customer already pays for
  // (an earlier purchase made before either was provisioned); else a new one.
  let tenantId = intent.tenantId;
  if (!tenantId) {
    const byCustomer = await db
      .select({ id: schema.tenants.id })
      .from(schema.tenants)
      .where(eq(schema.tenants.stripeCustomerId, customerId))
      .get();
    tenantId = byCustomer?.id ?? null;
  }
  const statements: Statement[] = [];
  if (tenantId === null) {
    tenantId = tenantIdForIntent(intent.id);
    const name = intent.organizationName ?? "My organisation";
    statements.push(
      ...newTenantStatements(db, {
        id: tenantId,
        name,
        slug: await freeSlug(db, name, tenantId),
        ownerUserId: intent.userId,
        createdBy: intent.userId,
        stripeCustomerId: customerId,
        intentId: intent.id,
        actor,
        reason: { tenant: `Paid checkout ${session.id}`, owner: "Buyer becomes the owner" },
        now,
      }),
      // The buyer's customer now belongs to the tenant; a future new organisation gets its own.
      db
        .update(schema.users)
        .set({ stripeCustomerId: null })
        .where(and(eq(schema.users.id, intent.userId), eq(schema.users.stripeCustomerId, customerId))),
    );
  } else {
    statements.push(ownerMembershipInsert(db, { tenantId, userId: intent.userId, now }));
  }

  let subscriptionId: string | null = null;
  let paymentIntentId: string | null = null;
  if (price.product.kind === "subscription") {
    if (!session.subscriptionId) throw new Error(`subscription checkout ${session.id} has no subscription`);
    subscriptionId = session.subscriptionId;
    const sub = await deps.gateway.retrieveSubscription(subscriptionId);
    statements.push(
      ...(await subscriptionSyncStatements({
        db,
        tenantId,
        sub,
        source: "stripe_subscription",
        actor,
        eventCreated: event.created,
        graceDays: deps.graceDays,
        syncedAt: Date.now(),
        now,
      })),
      ...ownerSeatStatements(db, { entitlementId: entitlementIdFor(sub.id), tenantId, userId: intent.userId, actor, now }),
    );
  } else {
    paymentIntentId = session.paymentIntentId;
    if (!paymentIntentId) throw new Error(`payment checkout ${session.id} has no payment intent`);
    const entitlementId = entitlementIdFor(paymentIntentId);
    const validUntil = price.accessDays ? now + price.accessDays * DAY : null;
    statements.push(
      db
        .insert(schema.tenantProductEntitlements)
        .values({
          id: entitlementId,
          tenantId,
          productId: price.product.id,
          status: "active",
          quantitySeats: 0,
          source: "stripe_payment",
          sourceRef: paymentIntentId,
          tier: price.tier,
          priceId: price.id,
          validFrom: now,
          validUntil,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing(),
      auditInsert(db, {
        actor,
        action: "entitlement.granted",
        tenantId,
        target: { type: "entitlement", id: entitlementId },
        after: { product: price.product.key, status: "active", source: "stripe_payment", paymentIntentId, validUntil },
        reason: `Paid checkout ${session.id}`,
        at: now,
      }),
    );
  }
  statements.push(
    ...(await priceTrialStatements(deps, { session, priceId: price.id, tenantId, customerId, ownerUserId: intent.userId, actor })),
  );

  statements.push(
    db
      .update(schema.purchaseIntents)
      .set({
        state: "provisioned",
        provisionedTenantId: tenantId,
        stripeSubscriptionId: subscriptionId,
        stripePaymentIntentId: paymentIntentId,
        lastEventId: event.id,
        updatedAt: now,
      })
      .where(and(eq(schema.purchaseIntents.id, intent.id), inArray(schema.purchaseIntents.state, statesBelow("provisioned")))),
    auditInsert(db, {
      actor,
      action: "purchase.provisioned",
      tenantId,
      target: { type: "purchase_intent", id: intent.id },
      after: { product: price.product.key, quantity: intent.quantity, checkoutSession: session.id },
      at: now,
    }),
    db.insert(schema.analyticsEvents).values({
      name: "checkout_success",
      userId: intent.userId,
      tenantId,
      properties: JSON.stringify({ intentId: intent.id, product: price.product.key, quantity: intent.quantity }),
      at: now,
    }),
  );
  return { status: "processed", tenantId, statements };
}

/**
 * The trial a price includes (price_trials, ADR 017: the Accelerator's 30-day Organization trial is
 * such a row), unless the tenant already has a live subscription to the trial's product. The
 * Idempotency-Key is the checkout session, so a retry or a duplicate event never starts a second
 * trial. Without a saved payment method the trial ends as the gateway's trial settings say.
 */
async function priceTrialStatements(
  deps: Deps,
  ctx: { session: CheckoutSnapshot; priceId: string; tenantId: string; customerId: string; ownerUserId: string; actor: Actor },
): Promise<Statement[]> {
  const { db } = deps;
  const trial = await db.select().from(schema.priceTrials).where(eq(schema.priceTrials.priceId, ctx.priceId)).get();
  if (!trial) return [];
  const price = await loadPrice(db, trial.trialPriceId);
  if (!price || price.product.kind !== "subscription") throw new Error(`trial ${trial.id} names no subscription price`);
  const live = await db
    .select({ id: schema.subscriptions.id })
    .from(schema.subscriptions)
    .where(
      and(
        eq(schema.subscriptions.tenantId, ctx.tenantId),
        eq(schema.subscriptions.productId, price.product.id),
        // Subscription statuses map one to one onto these entitlement statuses (entitlementStatusFor).
        inArray(schema.subscriptions.status, LIVE_STATUSES),
      ),
    )
    .get();
  if (live) return [];
  const stripePriceId = await ensureStripePrice({ db, gateway: deps.gateway, price });
  const created = await deps.gateway.createTrialSubscription({
    idempotencyKey: `bundle-trial-${ctx.session.id}`,
    customerId: ctx.customerId,
    stripePriceId,
    trialDays: trial.days,
    defaultPaymentMethod: ctx.session.paymentMethodId,
    metadata: { tenant_id: ctx.tenantId, bundle_checkout_session: ctx.session.id },
  });
  // An idempotent replay returns the first response; read the subscription as it is now.
  const sub = await deps.gateway.retrieveSubscription(created.id);
  return [
    ...(await subscriptionSyncStatements({
      db,
      tenantId: ctx.tenantId,
      sub,
      source: "trial",
      actor: ctx.actor,
      eventCreated: deps.event.created,
      graceDays: deps.graceDays,
      syncedAt: Date.now(),
      now: deps.now,
    })),
    ...ownerSeatStatements(db, {
      entitlementId: entitlementIdFor(sub.id),
      tenantId: ctx.tenantId,
      userId: ctx.ownerUserId,
      actor: ctx.actor,
      now: deps.now,
    }),
  ];
}
