import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { actsOn } from "./events.server";
import { inboxColumns, PENDING_STATUSES, processStripeEvent, recordIgnoredEvents } from "./inbox.server";
import { fitsInline, retryDelaySeconds } from "./queue-policy";
import { type BillingEvent, type BillingGateway } from "./types";

// Queued webhook ingestion (ADR 020): the webhook verifies an event and enqueues it; the consumer
// runs it through the inbox, which still makes its side effects happen exactly once.

const QueuedEvent = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number(),
  objectId: z.string().nullable(),
  customerId: z.string().nullable(),
  subscriptionId: z.string().nullable(),
  payload: z.string(),
});

/** A queue message: the verified event itself, or (too large for a message) the id of its inbox row. */
export const StripeEventMessage = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("event"), event: QueuedEvent }),
  z.object({ kind: z.literal("stored"), eventId: z.string().min(1), type: z.string().min(1) }),
]);
export type StripeEventMessage = z.infer<typeof StripeEventMessage>;

/** The producer side of the queue, as the domain needs it. */
export type StripeEventQueue = { send(message: StripeEventMessage): Promise<void> };

/** One delivered message, as the consumer needs it (Cloudflare's Message has this shape). */
export type QueuedMessage = {
  readonly body: unknown;
  readonly attempts: number;
  readonly timestamp: Date;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
};

/**
 * Hands a verified event to the queue; only when this returns may the webhook acknowledge it. An
 * event too large for a queue message is written to its inbox row ("queued") first and the
 * message names it, so it is neither refused by the queue nor lost. Throws when neither is durable.
 */
export async function enqueueStripeEvent(deps: {
  db: Db;
  queue: StripeEventQueue;
  event: BillingEvent;
  now: number;
}): Promise<"inline" | "stored"> {
  const inline: StripeEventMessage = { kind: "event", event: deps.event };
  if (fitsInline(JSON.stringify(inline))) {
    await deps.queue.send(inline);
    return "inline";
  }
  // A redelivery of the same large event finds its row and sends another reference to it.
  await deps.db
    .insert(schema.processedWebhookEvents)
    .values({ ...inboxColumns(deps), status: "queued", attempts: 0 })
    .onConflictDoNothing({ target: schema.processedWebhookEvents.eventId });
  await deps.queue.send({ kind: "stored", eventId: deps.event.id, type: deps.event.type });
  return "stored";
}

export type ConsumedBatch = { processed: number; ignored: number; duplicate: number; retried: number; dropped: number };

type ConsumeDeps = {
  db: Db;
  gateway: BillingGateway;
  /** A stored payload (verified when it arrived) back into the domain's event shape. */
  parse: (payload: string) => BillingEvent;
  graceDays: number;
  appUrl: string;
  now: () => number;
};

/** Customers whose events of one batch run at once (each event makes Stripe and D1 calls). */
const HANDLER_CONCURRENCY = 10;

/**
 * Consumes one queue batch. Each message is acked once its event is recorded (processed, ignored
 * or a duplicate) and retried on its own, with backoff by attempt, when it fails: a failure or a
 * crash half-way loses nothing, and the inbox turns every redelivery into a duplicate. Events no
 * handler acts on are recorded together in one D1 batch.
 */
export async function consumeStripeEvents(deps: ConsumeDeps & { messages: readonly QueuedMessage[] }): Promise<ConsumedBatch> {
  const done: ConsumedBatch = { processed: 0, ignored: 0, duplicate: 0, retried: 0, dropped: 0 };
  const retry = (message: QueuedMessage) => {
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    done.retried++;
  };
  const ready = await readMessages(deps, deps.messages, done);
  if (!ready) {
    for (const m of deps.messages) retry(m);
    return done;
  }
  const ignored = ready.filter((r) => !actsOn(r.event.type));
  const acted = ready.filter((r) => actsOn(r.event.type));

  const recordIgnored = async () => {
    let outcomes: ("ignored" | "duplicate")[];
    try {
      outcomes = await recordIgnoredEvents({ db: deps.db, events: ignored });
    } catch (e) {
      console.error(`queue: recording ${ignored.length} ignored events failed`, e);
      for (const r of ignored) retry(r.message);
      return;
    }
    ignored.forEach((r, i) => {
      r.message.ack();
      done[outcomes[i]!]++;
    });
  };

  const handle = async ({ message, event, receivedAt }: Ready) => {
    let outcome: "processed" | "ignored" | "duplicate";
    try {
      ({ outcome } = await processStripeEvent({ ...deps, event, now: deps.now(), receivedAt }));
    } catch (e) {
      // The inbox row says failed, with the error and the attempt count; the queue brings it back.
      console.error(`queue: ${event.id} (${event.type}) failed on attempt ${message.attempts}`, e);
      retry(message);
      return;
    }
    // Outside the try: if acking throws, the batch fails and the queue redelivers what is not acked.
    message.ack();
    done[outcome]++;
  };

  // One customer's events run one after another, as Stripe's deliveries mostly arrive; different
  // customers' in parallel. Order is still not assumed (ADR 006), only concurrency within a customer avoided.
  const byCustomer = new Map<string, Ready[]>();
  for (const r of acted) {
    const key = r.event.customerId ?? r.event.subscriptionId ?? r.event.id;
    byCustomer.set(key, [...(byCustomer.get(key) ?? []), r]);
  }
  const runCustomer = async (events: Ready[]) => {
    for (const r of events) await handle(r);
  };
  await Promise.all([recordIgnored(), eachLimited([...byCustomer.values()], HANDLER_CONCURRENCY, runCustomer)]);
  return done;
}

type Ready = { message: QueuedMessage; event: BillingEvent; receivedAt: number };

/**
 * The batch's messages as events: inline ones as sent, stored ones read from their inbox rows in
 * one query. A message that can never be processed (unreadable, or naming no row) is acked and
 * logged; one whose stored event is already done is a duplicate. Null when D1 cannot be read.
 */
async function readMessages(deps: ConsumeDeps, messages: readonly QueuedMessage[], done: ConsumedBatch): Promise<Ready[] | null> {
  const ready: Ready[] = [];
  const stored: { message: QueuedMessage; eventId: string }[] = [];
  for (const message of messages) {
    const parsed = StripeEventMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error("queue: dropping a message that is not a Stripe event message", parsed.error.message);
      message.ack();
      done.dropped++;
    } else if (parsed.data.kind === "event") {
      ready.push({ message, event: parsed.data.event, receivedAt: message.timestamp.getTime() });
    } else {
      stored.push({ message, eventId: parsed.data.eventId });
    }
  }
  if (stored.length === 0) return ready;
  const w = schema.processedWebhookEvents;
  let rows: Map<string, { status: string; payload: string | null; receivedAt: number }>;
  try {
    const found = await deps.db
      .select({ eventId: w.eventId, status: w.status, payload: w.payload, receivedAt: w.receivedAt })
      .from(w)
      .where(inArray(w.eventId, [...new Set(stored.map((s) => s.eventId))]));
    rows = new Map(found.map((r) => [r.eventId, r]));
  } catch (e) {
    console.error("queue: reading stored events failed", e);
    return null;
  }
  for (const { message, eventId } of stored) {
    const row = rows.get(eventId);
    if (row && !(PENDING_STATUSES as readonly string[]).includes(row.status)) {
      message.ack();
      done.duplicate++;
    } else if (!row?.payload) {
      console.error(`queue: dropping ${eventId}: its inbox row or payload is gone`);
      message.ack();
      done.dropped++;
    } else {
      let event: BillingEvent;
      try {
        event = deps.parse(row.payload);
      } catch (e) {
        console.error(`queue: dropping ${eventId}: its stored payload is not an event`, e);
        message.ack();
        done.dropped++;
        continue;
      }
      ready.push({ message, event, receivedAt: row.receivedAt });
    }
  }
  return ready;
}

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The dead-letter queue's consumer: each event the queue gave up on is marked dead-lettered in the
 * inbox (written there from the message when no attempt could record it), for an admin to replay.
 * A row already processed, by a replay meanwhile, stays so. One D1 batch; retried as a whole.
 */
export async function deadLetterStripeEvents(deps: { db: Db; messages: readonly QueuedMessage[] }) {
  const w = schema.processedWebhookEvents;
  const items: { message: QueuedMessage; body: StripeEventMessage }[] = [];
  for (const message of deps.messages) {
    const parsed = StripeEventMessage.safeParse(message.body);
    if (parsed.success) items.push({ message, body: parsed.data });
    else {
      console.error("dead-letter queue: dropping a message that is not a Stripe event message", parsed.error.message);
      message.ack();
    }
  }
  if (items.length === 0) return 0;
  const statements = items.map(({ message, body }) =>
    body.kind === "event"
      ? deps.db
          .insert(w)
          .values({
            ...inboxColumns({ event: body.event, now: message.timestamp.getTime() }),
            status: "dead_lettered",
            attempts: 0,
            error: "The queue gave up on this event after its retries.",
          })
          .onConflictDoUpdate({ target: w.eventId, set: { status: "dead_lettered" }, setWhere: inArray(w.status, ["failed", "queued"]) })
      : deps.db
          .update(w)
          .set({ status: "dead_lettered" })
          .where(and(eq(w.eventId, body.eventId), inArray(w.status, ["failed", "queued"]))),
  );
  try {
    await deps.db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  } catch (e) {
    console.error(`dead-letter queue: marking ${items.length} events failed`, e);
    for (const { message } of items) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return 0;
  }
  for (const { message } of items) message.ack();
  return items.length;
}
