import { and, desc, eq, getTableName, inArray, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { actsOn, handleBillingEvent } from "./events.server";
import { type Statement } from "./sync.server";
import { type BillingEvent, type BillingGateway } from "./types";

export type InboxResult = { outcome: "processed" | "ignored" | "duplicate"; tenantId: string | null };

/** An event whose row is in one of these states is done: every later delivery is a duplicate. */
const DONE_STATUSES = ["processed", "ignored"] as const;
/** A row in one of these states is taken over by the next attempt (the queue's, or an admin's replay). */
export const PENDING_STATUSES = ["failed", "queued", "dead_lettered"] as const;
const pendingList = PENDING_STATUSES.map((s) => `'${s}'`).join(", ");

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
  /** When the webhook accepted it (the queue message's timestamp); `now` when not queued. */
  receivedAt?: number;
}): Promise<InboxResult> {
  const { db, event } = deps;
  if (!actsOn(event.type)) return recordIgnored(deps);
  const earlier = await inboxRow(db, event.id);
  if (earlier && isDone(earlier.status)) return { outcome: "duplicate", tenantId: null };
  const started = Date.now();
  try {
    const outcome = await handleBillingEvent(deps);
    const mark: Statement[] = [
      db
        .delete(schema.processedWebhookEvents)
        .where(and(eq(schema.processedWebhookEvents.eventId, event.id), inArray(schema.processedWebhookEvents.status, PENDING_STATUSES))),
      db.insert(schema.processedWebhookEvents).values({
        ...inboxColumns(deps),
        status: outcome.status,
        tenantId: outcome.tenantId,
        // The pending row is deleted in this same batch: its attempts were read above.
        attempts: 1 + (earlier?.attempts ?? 0),
        error: outcome.note ?? null,
        processedAt: Date.now(),
        durationMs: Date.now() - started,
      }),
    ];
    await db.batch([...mark, ...outcome.statements] as [Statement, ...Statement[]]);
    return { outcome: outcome.status, tenantId: outcome.tenantId };
  } catch (e) {
    if (isInboxConflict(e) && isDone((await inboxRow(db, event.id))?.status)) return { outcome: "duplicate", tenantId: null };
    await recordFailure(deps, e, Date.now() - started).catch((inner) => console.error("could not record webhook failure", inner));
    throw e;
  }
}

/**
 * A type no handler acts on has no effects to run: its inbox row is the whole write, one statement.
 * A duplicate changes nothing; only a row left pending (failed, queued, dead-lettered) is taken over.
 */
async function recordIgnored(deps: { db: Db; event: BillingEvent; now: number; receivedAt?: number }): Promise<InboxResult> {
  const [outcome] = await recordIgnoredEvents({ db: deps.db, events: [{ event: deps.event, receivedAt: deps.receivedAt ?? deps.now }] });
  return { outcome: outcome!, tenantId: null };
}

/**
 * Records events no handler acts on, all in ONE D1 batch (a queue batch's worth at once), each
 * "ignored" or, already done, a "duplicate". Throws, writing none of them, when the batch fails.
 */
export async function recordIgnoredEvents(deps: {
  db: Db;
  events: readonly { event: BillingEvent; receivedAt: number }[];
}): Promise<("ignored" | "duplicate")[]> {
  if (deps.events.length === 0) return [];
  const at = Date.now();
  const statements = deps.events.map(({ event, receivedAt }) => {
    const row: Record<(typeof IGNORED_COLUMNS)[number], unknown> = {
      ...inboxColumns({ event, now: receivedAt }),
      status: "ignored",
      attempts: 1,
      error: `${event.type} is not used`,
      processedAt: at,
      durationMs: 0,
    };
    return deps.db.$client.prepare(RECORD_IGNORED).bind(...IGNORED_COLUMNS.map((k) => row[k] ?? null));
  });
  const results = await deps.db.$client.batch(statements);
  return results.map((r) => (r.meta.changes > 0 ? "ignored" : "duplicate"));
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
    `${t.error.name} = excluded.${t.error.name}, ${t.processedAt.name} = excluded.${t.processedAt.name} WHERE ${table}.${t.status.name} IN (${pendingList})`
  );
})();

/** The inbox row's columns that come from the event itself, whatever its outcome. */
export const inboxColumns = ({ event, now, receivedAt }: { event: BillingEvent; now: number; receivedAt?: number }) => ({
  eventId: event.id,
  type: event.type,
  stripeCreated: event.created,
  objectId: event.objectId,
  payload: event.payload,
  receivedAt: receivedAt ?? now,
});

const isDone = (status: string | undefined) => (DONE_STATUSES as readonly (string | undefined)[]).includes(status);

const inboxRow = (db: Db, eventId: string) =>
  db
    .select({ status: schema.processedWebhookEvents.status, attempts: schema.processedWebhookEvents.attempts })
    .from(schema.processedWebhookEvents)
    .where(eq(schema.processedWebhookEvents.eventId, eventId))
    .get();

// A queued row becomes failed; a dead-lettered one (an admin's replay failed again) stays so.
async function recordFailure(deps: { db: Db; event: BillingEvent; now: number; receivedAt?: number }, error: unknown, durationMs: number) {
  const message = errorText(error).slice(0, 2000);
  const w = schema.processedWebhookEvents;
  await deps.db
    .insert(w)
    .values({
      ...inboxColumns(deps),
      status: "failed",
      attempts: 1,
      error: message,
      durationMs,
    })
    .onConflictDoUpdate({
      target: w.eventId,
      set: {
        status: sql`CASE WHEN ${w.status} = 'queued' THEN 'failed' ELSE ${w.status} END`,
        attempts: sql`${w.attempts} + 1`,
        error: message,
        durationMs,
      },
      setWhere: inArray(w.status, PENDING_STATUSES),
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
