// The queue backlog route of the bench entry (tests/bench/run.ts drives it for the "Queue consumer"
// row). Bench only: the production Worker has none of this (BENCH_ONLY_MARKERS).
//   POST /__bench/queue/backlog  { prefix, count, template }: `count` copies of the Stripe event
//        `template`, each with its own id `<prefix><n>`, made into the app's own queue message
//        (StripeEventMessage, through the app's mapper, as the webhook does after verifying) and sent
//        into the app's STRIPE_EVENTS binding with sendBatch. No signature: the route skips only
//        the webhook, so the consumer gets a backlog faster than the webhook could build one.
import { z } from "zod";
import { actsOn } from "../../../app/domain/billing/events.server";
import { StripeEventMessage } from "../../../app/domain/billing/queue.server";
import { fitsInline } from "../../../app/domain/billing/queue-policy";
import { parseStoredEvent } from "../../../app/infra/stripe/mappers.server";
import { BACKLOG_EVENT_PREFIX, BACKLOG_MAX_EVENTS, BENCH_QUEUE_BACKLOG_PATH } from "../hooks";

const BacklogBody = z.object({
  // Only the backlog's own ids: `[A-Za-z0-9_]+`, beginning with its prefix.
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/)
    .startsWith(BACKLOG_EVENT_PREFIX),
  count: z.number().int().min(1).max(BACKLOG_MAX_EVENTS),
  /** A Stripe event's JSON, as a webhook would carry it. */
  template: z.string().min(2),
});

/** Cloudflare Queues' limits on one sendBatch: 100 messages, 256 KB in all. */
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 256_000;

const json = (body: unknown, status = 200) => Response.json(body, { status });

export async function benchBacklog(request: Request, queue: Queue): Promise<Response | null> {
  if (new URL(request.url).pathname !== BENCH_QUEUE_BACKLOG_PATH || request.method !== "POST") return null;
  const parsed = BacklogBody.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return json({ error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, 400);
  const { prefix, count, template } = parsed.data;
  let base: Record<string, unknown>;
  try {
    base = JSON.parse(template) as Record<string, unknown>;
    parseStoredEvent(template);
  } catch {
    return json({ error: "template: not a Stripe event the app can read" }, 400);
  }
  // Ignored events only: the row measures the consumer recording events, never their side effects.
  if (actsOn(String(base.type))) return json({ error: `template: ${String(base.type)} is an event type the app acts on` }, 400);

  const created = Math.floor(Date.now() / 1000);
  const messages: { body: StripeEventMessage; bytes: number }[] = [];
  for (let i = 0; i < count; i++) {
    const payload = JSON.stringify({ ...base, id: `${prefix}${i.toString(36).padStart(6, "0")}`, created });
    // The app's own message, built as enqueueStripeEvent builds it from a verified event.
    const body = StripeEventMessage.parse({ kind: "event", event: parseStoredEvent(payload) });
    const serialized = JSON.stringify(body);
    if (!fitsInline(serialized)) return json({ error: "template: too large to travel inline in a queue message" }, 400);
    messages.push({ body, bytes: new TextEncoder().encode(serialized).byteLength });
  }

  const firstEnqueuedAt = Date.now();
  let sends = 0;
  for (let i = 0; i < messages.length;) {
    const chunk: MessageSendRequest<StripeEventMessage>[] = [];
    let bytes = 0;
    while (i < messages.length && chunk.length < SEND_BATCH_MESSAGES && bytes + messages[i]!.bytes <= SEND_BATCH_BYTES) {
      bytes += messages[i]!.bytes;
      chunk.push({ body: messages[i]!.body, contentType: "json" });
      i++;
    }
    await queue.sendBatch(chunk);
    sends++;
  }
  return json({ enqueued: count, sends, firstEnqueuedAt, lastEnqueuedAt: Date.now() });
}
