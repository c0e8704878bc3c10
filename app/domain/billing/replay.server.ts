import { and, eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert } from "../audit/audit.server";
import { processStripeEvent } from "./inbox.server";
import { type BillingEvent, type BillingGateway } from "./types";
import { AppError, conflict, withValues } from "../errors";
import { REPLAYABLE } from "./queue-policy";

/**
 * Replays a failed or dead-lettered Stripe event from the inbox through the same idempotent path
 * as the queue's consumer.
 * The payload was verified when it arrived; `parse` maps it to the domain's event shape.
 */
export async function replayWebhookEvent(deps: {
  db: Db;
  gateway: BillingGateway;
  parse: (payload: string) => BillingEvent;
  adminId: string;
  eventId: string;
  graceDays: number;
  appUrl: string;
  now: number;
}) {
  const row = await deps.db
    .select()
    .from(schema.processedWebhookEvents)
    .where(eq(schema.processedWebhookEvents.eventId, deps.eventId))
    .get();
  if (!row) throw new AppError({ code: "not_found", status: 404, message: "No such event in the inbox." });
  if (!REPLAYABLE.has(row.status)) {
    throw conflict(
      "not_failed",
      withValues("This event is {{status}}; only failed and dead-lettered events are replayed.", { status: row.status }),
    );
  }
  if (!row.payload) throw conflict("no_payload", "This event has no stored payload to replay.");
  let outcome: string;
  let error: string | null = null;
  try {
    outcome = (
      await processStripeEvent({
        db: deps.db,
        gateway: deps.gateway,
        event: deps.parse(row.payload),
        graceDays: deps.graceDays,
        appUrl: deps.appUrl,
        now: deps.now,
      })
    ).outcome;
  } catch (e) {
    outcome = "failed";
    error = e instanceof Error ? e.message : String(e);
  }
  await auditInsert(deps.db, {
    actor: { type: "user", id: deps.adminId },
    action: "webhook.replayed",
    tenantId: row.tenantId,
    target: { type: "stripe_event", id: row.eventId },
    before: { status: row.status, attempts: row.attempts },
    after: { outcome, error },
    at: deps.now,
  });
  if (error) throw new AppError({ code: "replay_failed", status: 502, ...withValues("The replay failed again: {{error}}", { error }) });
  return { outcome };
}

/** The retry button on a stuck ("paid" but not provisioned) purchase replays the event that paid it. */
export async function retryStuckIntent(deps: Omit<Parameters<typeof replayWebhookEvent>[0], "eventId"> & { intentId: string }) {
  const intent = await deps.db
    .select()
    .from(schema.purchaseIntents)
    .where(and(eq(schema.purchaseIntents.id, deps.intentId), eq(schema.purchaseIntents.state, "paid")))
    .get();
  if (!intent?.lastEventId) throw conflict("not_stuck", "This purchase is not waiting for provisioning.");
  return replayWebhookEvent({ ...deps, eventId: intent.lastEventId });
}
