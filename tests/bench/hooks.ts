// What the bench entry (tests/bench/worker/entry.ts) answers and adds, shared by the entry (in
// workerd), the bench driver (Node) and the test that keeps all of it out of the production Worker.

/** The ceilings: a static string; the same plus one D1 read; the same plus one D1 write (POST). */
export const BENCH_BARE_PATH = "/__bench/bare";
export const BENCH_D1_READ_PATH = "/__bench/d1-read";
export const BENCH_D1_WRITE_PATH = "/__bench/d1-write";
/** The ceiling for receiving a webhook: POST a webhook's body, read whole, answered "ok" (no queue, no verification). */
export const BENCH_READ_BODY_PATH = "/__bench/read-body";
/** The ceiling for one queue send: POST a webhook's body, sent as one message to a bench-only queue nobody consumes. */
export const BENCH_QUEUE_SEND_PATH = "/__bench/queue-send";
/** The bench-only queue's producer binding (tests/bench/servers.ts adds it to the bench's wrangler config). */
export const BENCH_QUEUE_SINK_BINDING = "BENCH_QUEUE_SINK";
export const BENCH_QUEUE_SINK_NAME = "gatehouse-bench-sink";
/** GET ?prefix=evt_...: how many of those inbox rows the queue consumer has finished, and when (bench only). */
export const BENCH_INBOX_PATH = "/__bench/inbox";
/**
 * POST { prefix, count, template }: enqueues `count` copies of the Stripe event `template` (a type the
 * app ignores) straight into the app's STRIPE_EVENTS queue, as the webhook would after verifying them,
 * so the consumer meets a backlog and its drain measures its own capacity (bench only).
 */
export const BENCH_QUEUE_BACKLOG_PATH = "/__bench/queue/backlog";
/** Ids the backlog gives its event copies (the route accepts no other prefix). */
export const BACKLOG_EVENT_PREFIX = "evt_benchq";
/** Most events one backlog request enqueues. */
export const BACKLOG_MAX_EVENTS = 20_000;
/** `<prefix><module>/<lesson>` is the Accelerator lesson `/accelerator/<module>/<lesson>` without its access check. */
export const BENCH_UNCHECKED_LESSON_PREFIX = "/__bench/unchecked-lesson/";
export const CHECKED_LESSON_PREFIX = "/accelerator/";

/** The renewal storm (tests/bench/storm.ts, tests/bench/worker/storm.ts): seed its tenants, count its inbox rows, read its effects. */
export const BENCH_STORM_SEED_PATH = "/__bench/storm/seed";
export const BENCH_STORM_INBOX_PATH = "/__bench/storm/inbox";
export const BENCH_STORM_EFFECTS_PATH = "/__bench/storm/effects";
/** Ids the storm gives its event copies and its tenants (the entry's storm routes accept no other). */
export const STORM_EVENT_PREFIX = "evt_storm";
export const STORM_TENANT_PREFIX = "ten_storm";

/** Response headers the bench entry adds to every answer: D1 statements run, their round trips (a batch is one), and ms spent waiting on them. */
export const D1_QUERIES_HEADER = "X-D1-Queries";
export const D1_ROUND_TRIPS_HEADER = "X-D1-Round-Trips";
export const D1_WAIT_HEADER = "X-D1-Wait-Ms";

/** The type of the inbox rows the one-D1-write ceiling inserts. */
export const D1_WRITE_EVENT_TYPE = "bench.d1_write";

/**
 * Strings that only bench code has: none may appear in the production Worker's sources or bundle
 * (tests/integration/worker-shape.test.ts, and the bench's own bundle-size row).
 */
export const BENCH_ONLY_MARKERS = [
  "__bench",
  "BENCH_MODE",
  D1_QUERIES_HEADER,
  D1_ROUND_TRIPS_HEADER,
  D1_WAIT_HEADER,
  D1_WRITE_EVENT_TYPE,
  "tests/bench",
] as const;
