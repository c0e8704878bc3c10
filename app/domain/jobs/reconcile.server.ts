import { and, desc, eq, gt, inArray, isNotNull, lte, notInArray } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert, type Actor } from "../audit/audit.server";
import { processStripeEvent } from "../billing/inbox.server";
import { statesBelow } from "../billing/intent-state";
import { type Statement, subscriptionSyncStatements } from "../billing/sync.server";
import { type BillingGateway } from "../billing/types";
import { LIVE_STATUSES } from "../entitlements/live";
import { runLeasedJob } from "./leased-run.server";

export const RECONCILE_JOB = "reconcile";
const LEASE_MS = 10 * 60 * 1000;
// Events are re-listed with some overlap: an event created just before the last run started may
// not have been visible to it yet. The inbox makes the overlap free.
const OVERLAP_MS = 10 * 60 * 1000;
const FIRST_RUN_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
const MAX_EVENTS = 5_000;

export type ReconcileCounts = {
  eventsSeen: number;
  eventsRecovered: number;
  eventsFailed: number;
  subscriptionsChecked: number;
  subscriptionsRepaired: number;
  intentsExpired: number;
  entitlementsEnded: number;
};

type Deps = {
  db: Db;
  gateway: BillingGateway;
  graceDays: number;
  appUrl: string;
  now: () => number;
  /** How far before the last successful run's start events are re-listed (default 10 minutes). */
  overlapMs?: number;
};

/**
 * The scheduled reconciliation, as a leased run (runLeasedJob). Everything it repairs goes through
 * the same idempotent paths as the webhook, so running it twice, or next to webhook deliveries,
 * changes nothing more.
 */
export async function runReconciliation(deps: Deps) {
  const counts: ReconcileCounts = {
    eventsSeen: 0,
    eventsRecovered: 0,
    eventsFailed: 0,
    subscriptionsChecked: 0,
    subscriptionsRepaired: 0,
    intentsExpired: 0,
    entitlementsEnded: 0,
  };
  return runLeasedJob({ db: deps.db, type: RECONCILE_JOB, now: deps.now, leaseMs: LEASE_MS }, counts, async (run) => {
    const actor: Actor = { type: "scheduler", id: run.jobId };
    await recoverMissedEvents(deps, run);
    await repairSubscriptionDrift(deps, { actor, counts, log: run.log });
    await expireAbandonedIntents(deps, { counts, log: run.log });
    await endLapsedEntitlements(deps, { actor, counts, log: run.log });
  });
}

/** 4. Stripe events since the last successful run that the inbox never processed, through the webhook's path. */
async function recoverMissedEvents(deps: Deps, ctx: { startedAt: number; counts: ReconcileCounts; log: string[] }) {
  const last = await deps.db
    .select({ startedAt: schema.jobs.startedAt })
    .from(schema.jobs)
    .where(and(eq(schema.jobs.type, RECONCILE_JOB), eq(schema.jobs.status, "succeeded")))
    .orderBy(desc(schema.jobs.startedAt))
    .get();
  const sinceMs = last ? last.startedAt - (deps.overlapMs ?? OVERLAP_MS) : ctx.startedAt - FIRST_RUN_WINDOW_MS;
  const events = await deps.gateway.listEventsSince({ sinceMs, limit: MAX_EVENTS });
  ctx.counts.eventsSeen = events.length;
  if (events.length === MAX_EVENTS) ctx.log.push(`event window truncated at ${MAX_EVENTS}; the next run continues`);
  const ids = events.map((e) => e.id);
  const done = new Set<string>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await deps.db
      .select({ id: schema.processedWebhookEvents.eventId })
      .from(schema.processedWebhookEvents)
      .where(
        and(
          inArray(schema.processedWebhookEvents.eventId, ids.slice(i, i + 90)),
          inArray(schema.processedWebhookEvents.status, ["processed", "ignored"]),
        ),
      );
    for (const r of rows) done.add(r.id);
  }
  for (const event of events) {
    if (done.has(event.id)) continue;
    try {
      const result = await processStripeEvent({
        db: deps.db,
        gateway: deps.gateway,
        event,
        graceDays: deps.graceDays,
        appUrl: deps.appUrl,
        now: deps.now(),
      });
      if (result.outcome !== "duplicate") {
        ctx.counts.eventsRecovered++;
        ctx.log.push(`recovered ${event.id} ${event.type}: ${result.outcome}`);
      }
    } catch (e) {
      ctx.counts.eventsFailed++;
      ctx.log.push(`event ${event.id} ${event.type} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** 3. Every live subscription compared with Stripe; differences repaired and audited by the scheduler. */
async function repairSubscriptionDrift(deps: Deps, ctx: { actor: Actor; counts: ReconcileCounts; log: string[] }) {
  const { db } = deps;
  const live = await db
    .select()
    .from(schema.subscriptions)
    .where(notInArray(schema.subscriptions.status, ["canceled", "incomplete_expired"]));
  for (const row of live) {
    ctx.counts.subscriptionsChecked++;
    const sub = await deps.gateway.retrieveSubscription(row.stripeSubscriptionId);
    const ent = await db
      .select({ status: schema.tenantProductEntitlements.status, quantitySeats: schema.tenantProductEntitlements.quantitySeats })
      .from(schema.tenantProductEntitlements)
      .where(eq(schema.tenantProductEntitlements.sourceRef, sub.id))
      .get();
    const before = {
      status: row.status,
      quantity: row.quantity,
      currentPeriodEnd: row.currentPeriodEnd,
      cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    };
    const after = {
      status: sub.status,
      quantity: sub.quantity,
      currentPeriodEnd: sub.currentPeriodEnd,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    };
    const entitlementDrift = ent && ent.status !== "revoked" && ent.quantitySeats !== sub.quantity;
    if (JSON.stringify(before) === JSON.stringify(after) && !entitlementDrift) continue;
    const statements: Statement[] = await subscriptionSyncStatements({
      db,
      tenantId: row.tenantId,
      sub,
      source: sub.metadata.bundle_checkout_session ? "trial" : "stripe_subscription",
      actor: ctx.actor,
      eventCreated: deps.now(),
      graceDays: deps.graceDays,
      syncedAt: Date.now(),
      now: deps.now(),
    });
    statements.push(
      auditInsert(db, {
        actor: ctx.actor,
        action: "subscription.repaired",
        tenantId: row.tenantId,
        target: { type: "subscription", id: sub.id },
        before: { ...before, entitlementSeats: ent?.quantitySeats ?? null },
        after,
        reason: "Reconciliation found D1 out of step with Stripe",
        at: deps.now(),
      }),
    );
    await db.batch(statements as [Statement, ...Statement[]]);
    ctx.counts.subscriptionsRepaired++;
    ctx.log.push(`repaired ${sub.id}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  }
}

/** 1. Purchases left open past their Checkout Session's expiry become expired (payment still outranks this). */
async function expireAbandonedIntents(deps: Deps, ctx: { counts: ReconcileCounts; log: string[] }) {
  const now = deps.now();
  const res = await deps.db
    .update(schema.purchaseIntents)
    .set({ state: "expired", updatedAt: now, failureReason: "checkout session expired (reconciliation)" })
    .where(
      and(
        inArray(schema.purchaseIntents.state, ["created", "checkout_open"]),
        inArray(schema.purchaseIntents.state, statesBelow("expired")),
        isNotNull(schema.purchaseIntents.expiresAt),
        lte(schema.purchaseIntents.expiresAt, now),
      ),
    )
    .run();
  ctx.counts.intentsExpired = res.meta.changes;
  if (res.meta.changes) ctx.log.push(`expired ${res.meta.changes} abandoned purchases`);
}

/** 2. Time-bound entitlements and trials past their valid_until end, each with an audit row. */
async function endLapsedEntitlements(deps: Deps, ctx: { actor: Actor; counts: ReconcileCounts; log: string[] }) {
  const { db } = deps;
  const now = deps.now();
  const lapsed = await db
    .select()
    .from(schema.tenantProductEntitlements)
    .where(
      and(
        inArray(schema.tenantProductEntitlements.status, LIVE_STATUSES),
        isNotNull(schema.tenantProductEntitlements.validUntil),
        lte(schema.tenantProductEntitlements.validUntil, now),
      ),
    );
  for (const e of lapsed) {
    await db.batch([
      db
        .update(schema.tenantProductEntitlements)
        .set({ status: "expired", updatedAt: now })
        .where(
          and(
            eq(schema.tenantProductEntitlements.id, e.id),
            gt(schema.tenantProductEntitlements.validUntil, 0),
            lte(schema.tenantProductEntitlements.validUntil, now),
          ),
        ),
      auditInsert(db, {
        actor: ctx.actor,
        action: "entitlement.expired",
        tenantId: e.tenantId,
        target: { type: "entitlement", id: e.id },
        before: { status: e.status, validUntil: e.validUntil },
        after: { status: "expired" },
        reason: "Its end date passed",
        at: now,
      }),
    ]);
    ctx.counts.entitlementsEnded++;
  }
  if (lapsed.length) ctx.log.push(`ended ${lapsed.length} lapsed entitlements`);
}

export async function listJobRuns(deps: { db: Db; limit?: number }) {
  return deps.db
    .select()
    .from(schema.jobs)
    .orderBy(desc(schema.jobs.startedAt))
    .limit(deps.limit ?? 50);
}
