import { and, desc, eq, getTableName, inArray, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { actsOn, handleBillingEvent } from "./events.server";
import { type Statement } from "./sync.server";
import { type BillingEvent, type BillingGateway } from "./types";

export type InboxResult = { outcome: "processed" | "ignored" | "duplicate"; tenantId: string | null };

// An error's message and its cause's (D1 wraps the SQLite message in `cause`).
const errorText = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : typeof e.cause === "string" ? e.cause : "";
  return `${e.message} ${cause}`.trim();
};

const isInboxConflict = (e: unknown) => /UNIQUE constraint failed: processed_webhook_events/i.test(errorText(e));

/**
 * Runs a verified event exactly once. The event's effects and its inbox row are one D1 batch:
 * a duplicate (sequential or concurrent) hits the inbox's primary key and changes nothing; a
 * failure rolls everything back, is recorded as failed, and is rethrown so Stripe retries.
 */
export async function processStripeEvent(deps: {
  db: Db;
  gateway: BillingGateway;
  event: BillingEvent;
  graceDays: number;
  /** The app's origin, for links in the emails an event causes. */
  appUrl: string;
  now: number;
}): Promise<InboxResult> {
  const { db, event } = deps;
  if (!actsOn(event.type)) return recordIgnored(deps);
  if (await alreadyDone(db, event.id)) return { outcome: "duplicate", tenantId: null };
  const started = Date.now();
  try {
    const outcome = await handleBillingEvent(deps);
    const mark: Statement[] = [
      db
        .delete(schema.processedWebhookEvents)
        .where(and(eq(schema.processedWebhookEvents.eventId, event.id), eq(schema.processedWebhookEvents.status, "failed"))),
      db.insert(schema.processedWebhookEvents).values({
        ...inboxColumns(deps),
        status: outcome.status,
        tenantId: outcome.tenantId,
        attempts: sql`1 + coalesce((SELECT attempts FROM processed_webhook_events WHERE event_id = ${event.id}), 0)`,
        error: outcome.note ?? null,
        processedAt: Date.now(),
        durationMs: Date.now() - started,
      }),
    ];
    await db.batch([...mark, ...outcome.statements] as [Statement, ...Statement[]]);
    return { outcome: outcome.status, tenantId: outcome.tenantId };
  } catch (e) {
    if (isInboxConflict(e) && (await alreadyDone(db, event.id))) return { outcome: "duplicate", tenantId: null };
    await recordFailure(deps, e, Date.now() - started).catch((inner) => console.error("could not record webhook failure", inner));
    throw e;
  }
}

/**
 * A type no handler acts on has no effects to run: its inbox row is the whole write, one statement.
 * A duplicate changes nothing; only a row left "failed" by an earlier attempt is taken over.
 */
async function recordIgnored(deps: { db: Db; event: BillingEvent; now: number }): Promise<InboxResult> {
  const row: Record<(typeof IGNORED_COLUMNS)[number], unknown> = {
    ...inboxColumns(deps),
    status: "ignored",
    attempts: 1,
    error: `${deps.event.type} is not used`,
    processedAt: Date.now(),
    durationMs: 0,
  };
  const result = await deps.db.$client
    .prepare(RECORD_IGNORED)
    .bind(...IGNORED_COLUMNS.map((k) => row[k] ?? null))
    .run();
  return { outcome: result.meta.changes > 0 ? "ignored" : "duplicate", tenantId: null };
}

// Most deliveries of a busy account are types we ignore, so this statement is written out once,
// with the schema's column names, rather than built by drizzle for every event (which cost more
// CPU than running it; docs/benchmarks.md).
const IGNORED_COLUMNS = [
  "eventId",
  "type",
  "stripeCreated",
  "objectId",
  "payload",
  "receivedAt",
  "status",
  "attempts",
  "error",
  "processedAt",
  "durationMs",
] as const;
const RECORD_IGNORED = (() => {
  const t = schema.processedWebhookEvents;
  const table = getTableName(t);
  return (
    `INSERT INTO ${table} (${IGNORED_COLUMNS.map((k) => t[k].name).join(", ")}) VALUES (${IGNORED_COLUMNS.map(() => "?").join(", ")}) ` +
    `ON CONFLICT (${t.eventId.name}) DO UPDATE SET ${t.status.name} = excluded.${t.status.name}, ${t.attempts.name} = ${table}.${t.attempts.name} + 1, ` +
    `${t.error.name} = excluded.${t.error.name}, ${t.processedAt.name} = excluded.${t.processedAt.name} WHERE ${table}.${t.status.name} = 'failed'`
  );
})();

/** The inbox row's columns that come from the event itself, whatever its outcome. */
const inboxColumns = ({ event, now }: { event: BillingEvent; now: number }) => ({
  eventId: event.id,
  type: event.type,
  stripeCreated: event.created,
  objectId: event.objectId,
  payload: event.payload,
  receivedAt: now,
});

async function alreadyDone(db: Db, eventId: string): Promise<boolean> {
  const row = await db
    .select({ status: schema.processedWebhookEvents.status })
    .from(schema.processedWebhookEvents)
    .where(and(eq(schema.processedWebhookEvents.eventId, eventId), inArray(schema.processedWebhookEvents.status, ["processed", "ignored"])))
    .get();
  return Boolean(row);
}

async function recordFailure(deps: { db: Db; event: BillingEvent; now: number }, error: unknown, durationMs: number) {
  const message = errorText(error).slice(0, 2000);
  await deps.db
    .insert(schema.processedWebhookEvents)
    .values({
      ...inboxColumns(deps),
      status: "failed",
      attempts: 1,
      error: message,
      durationMs,
    })
    .onConflictDoUpdate({
      target: schema.processedWebhookEvents.eventId,
      set: { attempts: sql`${schema.processedWebhookEvents.attempts} + 1`, error: message, durationMs },
      setWhere: sql`${schema.processedWebhookEvents.status} = 'failed'`,
    });
}

/** The inbox for the admin console, newest first, optionally only one status. */
export async function listWebhookEvents(deps: { db: Db; status?: string; limit?: number }) {
  const w = schema.processedWebhookEvents;
  return deps.db
    .select({
      eventId: w.eventId,
      type: w.type,
      status: w.status,
      attempts: w.attempts,
      error: w.error,
      receivedAt: w.receivedAt,
      processedAt: w.processedAt,
      durationMs: w.durationMs,
      tenantId: w.tenantId,
      payload: w.payload,
    })
    .from(w)
    .where(deps.status ? eq(w.status, deps.status as (typeof schema.WEBHOOK_EVENT_STATUSES)[number]) : undefined)
    .orderBy(desc(w.receivedAt))
    .limit(deps.limit ?? 100);
}
