import {
  BENCH_BARE_PATH,
  BENCH_D1_READ_PATH,
  BENCH_D1_WRITE_PATH,
  BENCH_INBOX_PATH,
  BENCH_QUEUE_SEND_PATH,
  BENCH_READ_BODY_PATH,
  D1_WRITE_EVENT_TYPE,
} from "../hooks";

/**
 * The ceilings `npm run bench` compares the app with, answered by the bench entry before the app
 * runs, in the same workerd: a static string; the same plus one D1 read; the same plus one D1
 * write shaped like the webhook's inbox row (same table and indexes, in the bench's throwaway
 * database); a posted webhook body read whole and nothing more (what receiving a webhook costs);
 * the same body sent as one queue message (to `sink`, a queue nobody consumes, so the app's consumer
 * never sees it), which is the webhook's own I/O without its verification. Locally a queue with no
 * consumer answers a send without reading it, so this is a lower bound on one send's cost.
 */
export async function benchCeiling(request: Request, db: D1Database, sink: Queue): Promise<Response | null> {
  const { pathname, searchParams } = new URL(request.url);
  if (pathname === BENCH_BARE_PATH) return new Response("ok");
  // The consumer's progress on the bench's events: done (processed or ignored), the first one's
  // acceptance (its queue message's timestamp) and the last one's completion.
  if (pathname === BENCH_INBOX_PATH) {
    const row = await db
      .prepare(
        "SELECT count(*) AS done, min(received_at) AS firstReceivedAt, max(received_at) AS lastReceivedAt, max(processed_at) AS lastProcessedAt FROM processed_webhook_events WHERE event_id LIKE ? AND status IN ('processed', 'ignored')",
      )
      .bind(`${searchParams.get("prefix") ?? "evt_bench"}%`)
      .first();
    return Response.json(row);
  }
  if (pathname === BENCH_D1_READ_PATH) {
    await db.prepare("SELECT 1").first();
    return new Response("ok");
  }
  if (pathname === BENCH_READ_BODY_PATH && request.method === "POST") {
    await request.text();
    return new Response("ok");
  }
  if (pathname === BENCH_QUEUE_SEND_PATH && request.method === "POST") {
    // Shaped like the webhook's message: a small envelope around the raw event.
    await sink.send({ kind: "event", payload: await request.text() });
    return new Response("ok");
  }
  if (pathname === BENCH_D1_WRITE_PATH && request.method === "POST") {
    const now = Date.now();
    await db
      .prepare(
        "INSERT INTO processed_webhook_events (event_id, type, status, stripe_created, attempts, received_at, processed_at, duration_ms) VALUES (?, ?, 'ignored', ?, 1, ?, ?, 0)",
      )
      .bind(`evt_bench_${crypto.randomUUID()}`, D1_WRITE_EVENT_TYPE, Math.floor(now / 1000), now, now)
      .run();
    return new Response("ok");
  }
  return null;
}
