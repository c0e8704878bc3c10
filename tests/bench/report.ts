// Markdown output: the run's tables, printed and inserted at the top of docs/benchmarks.md so
// earlier runs (other commits) stay below for comparison.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** One row of docs/benchmarks.json (the latest run, for tools): vsBare is a fraction of the bare Worker's req/s. */
export type BenchRow = {
  scenario: string;
  reqPerSec: number | null;
  vsBare: number | null;
  d1Statements: number | null;
  d1RoundTrips: number | null;
  target: string | null;
  pass: boolean | null;
};

/** Replaces docs/benchmarks.json with this run (only the latest; docs/benchmarks.md keeps the history). */
export function writeJson(path: string, run: { commit: string; startedAt: string; rows: BenchRow[] }): void {
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
}

export const RUNS_MARKER = "<!-- bench:runs (newest first; `npm run bench` inserts each run below this line) -->";

export function table(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(escape).join(" | ")} |`),
  ].join("\n");
}

export const fmt = {
  rps: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–"),
  ms: (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : "–"),
  pct: (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)}%` : "–"),
  kib: (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`,
};

export const verdict = (ok: boolean | null) => (ok === null ? "pending" : ok ? "**pass**" : "**FAIL**");

const INTRO = `# Benchmarks

Produced by \`npm run bench\` (tests/bench/run.ts). It builds the app, starts it with \`wrangler dev\`
behind the bench's own Worker entry (below) on a throwaway migrated and seeded D1, next to the Stripe
emulator, creates its users, tenants and entitlements through the real signup, Checkout and webhook
path, and loads it from the bench process on 127.0.0.1 with autocannon, every load bounded in time
and in requests. All rows of a run come from the same app process, so ratios between them are fair;
absolute numbers depend on the machine and on what else runs on it.

- **Bench entry** (tests/bench/worker/entry.ts, [ADR 012](decisions/012-bench-entry-outside-the-worker.md)):
  a Worker that wraps the app's default export; the wrangler config the bench writes
  (tests/bench/servers.ts) points \`main\` at it. Everything below that the app does not do itself
  happens there; the production Worker (app/worker.ts) has no bench code, which
  tests/integration/worker-shape.test.ts checks in its sources and server build, and the bench checks
  again in the bundle whose size it reports. The entry's own tests: \`npm run test:bench\`.
- **Bare Worker**: \`GET /__bench/bare\` answered by the bench entry with a static string before the
  app runs, in the same workerd: the ceiling on this machine. \`GET /__bench/d1-read\` adds one D1 read
  (\`SELECT 1\`), \`POST /__bench/d1-write\` one write shaped like the webhook's inbox row, and
  \`POST /__bench/read-body\` reads a posted webhook body whole and answers (receiving a webhook, nothing
  more), and \`POST /__bench/queue-send\` adds one queue send: the posted webhook body as one message to
  a bench-only queue that nothing consumes (the webhook's own I/O without its verification). Both are
  loaded like the webhook row, with bodies of the same size, in the same rounds as the webhook, and
  each round loads the bare Worker too: these three rows' "vs bare" is against that bare load, made
  in the same minutes (a bare row loaded minutes earlier had read-body at 113% of it, which was the
  machine's drift). Locally a queue with no consumer answers a send without reading the message, so
  the send ceiling is a lower bound on what one send costs.
- **D1 queries** are counted by wrapping the D1 binding (tests/bench/worker/counting-d1.ts; each
  executed statement counts, a batch counts each statement): the bench entry hands the app an env
  whose \`DB\` is that request's wrapper and puts the count in the \`X-D1-Queries\` header.
  **D1 round trips** come from the same wrapper (\`X-D1-Round-Trips\`): a \`batch()\` is one whatever
  its size, each statement run outside a batch is one; D1 sessions (\`withSession\`, ADR 021) are
  counted like the binding. Work the app leaves for after the response (a session's
  \`last_seen_at\` touch) is not in the count. Queries run
  inside the SeatAllocator Durable Object are not part of a request's count. The entry's own cost (a
  scope per request, an env proxy) is on every app row and not on the ceilings.
- **Access check**: the gated Accelerator lesson against the same request without the check. The
  bench entry answers \`/__bench/unchecked-lesson/<module>/<lesson>\` by handing the app
  \`/accelerator/<module>/<lesson>\`, and the bench's server build (tests/bench/worker/server-build.ts,
  which the bench's config puts in place of the app's \`gatehouse-server-build\`) gives that
  request's loaders a load context whose session lookup runs alone and whose access is granted
  without reading D1. Same route and render, so the two differ by exactly the access query and
  decision. Cost = how much longer a request takes on average, from the request rates (unchecked
  req/s ÷ checked req/s − 1).
- **Rounds**: the page rows run round-robin in short rounds (rotating order) and each row pools its
  rounds, so drift in the machine's load hits every row alike.
- **Webhooks**: see the run's own note for how events were made. Unique events each carry a new
  id; duplicates post one already-processed event again and again.
- **Seat race**: tests/support/seat-race.ts (seats issue) buys \`BENCH_SEATS\` Organization seats,
  makes \`BENCH_SEAT_MEMBERS\` members through invitations, then has the owner assign all of them
  at once (\`BENCH_CONNECTIONS\` in flight); over-allocations compare the seat API's count before
  and after with the 200s. Its D1 work runs in the SeatAllocator Durable Object.
- **Renewal storm** (tests/bench/storm.ts): a month-start for \`BENCH_STORM_TENANTS\` Organization
  subscriptions at once. They are made through the emulator's API on test clocks and provisioned in
  D1 by the bench entry's \`POST /__bench/storm/seed\` with the app's own provisioning statements
  (tenant, owner, provisioned intent, subscription sync, owner seat) instead of one Checkout each.
  Advancing the clocks renews them as the emulator renews any subscription, with deliveries held;
  the held events are sent in time order with a storm id prefix, each signed as sent, bounded by
  count and time. Accepted events/s = 2xx answers over the send time; the drain runs from the first
  send until \`GET /__bench/storm/inbox\` counts every accepted event processed or ignored (polled,
  bounded); \`GET /__bench/storm/effects\` then shows the audit rows the events wrote and each
  subscription's period in D1. Lost = accepted events without a finished inbox row; unsent = events
  the time bound cut off; twice = events answered as duplicates plus audit targets written twice;
  every subscription must be on its new period.
  [docs/scaling.md](scaling.md) extrapolates its per-event costs to 100,000 tenants.
- p50/p99 are computed from every response time (ms); req/s is completed responses over the
  scenario's wall time.
- **idle ms (D1 wait ms)**: the median of 15 sequential requests on the otherwise idle app (after
  the warm-up), and the median time those requests waited on D1 (\`X-D1-Wait-Ms\`, 1 ms clock).
  It separates what a request costs from what the load generator sharing two cores costs.
- **docs/benchmarks.json**: the latest run's rows for tools (\`scenario\`, \`reqPerSec\`, \`vsBare\` as a
  fraction, \`d1Statements\`, \`d1RoundTrips\`, \`target\`, \`pass\`; null where a row has no such value).
- **Worker bundle**: \`wrangler deploy --dry-run --minify\` of the production config (app/worker.ts),
  never the bench entry.
- Runs made before the bench entry (up to commit 8a6bbe9) took the same measurements through
  \`BENCH_MODE\` hooks inside app/worker.ts and a bench route in the app.

Knobs (environment): \`BENCH_DURATION\` seconds per scenario (10), \`BENCH_CONNECTIONS\` (8),
\`BENCH_ROUNDS\` round-robin rounds the page time is split into (5), \`BENCH_TENANTS\` extra Organization
buyers seeded (5), \`BENCH_WEBHOOK_EVENTS\` unique events prepared (4000),
\`BENCH_SEATS\` / \`BENCH_SEAT_MEMBERS\` for the seat race (10 / 40), \`BENCH_STORM_TENANTS\` for
the renewal storm (2000), \`BENCH_STORM_SECONDS\` bounding its send and its drain (300 each),
\`BENCH_ONLY=storm\` to run only the renewal storm (printed, never written), \`BENCH_ONLY=webhooks\` to
load only the bare Worker, the read-body and queue-send ceilings and the webhook ingest (printed, never written),
\`BENCH_MAX_REQUESTS\` per
load (50000), \`GATEHOUSE_BENCH_APP_PORT\` (8810), \`GATEHOUSE_BENCH_STRIPE_PORT\` (12211), \`BENCH_WRITE=0\` to
only print, \`BENCH_COMMIT\` to label a run made from an exported tree without .git.

${RUNS_MARKER}
`;

/** Puts `section` at the top of the runs in docs/benchmarks.md, keeping earlier runs below it. */
export function writeRun(path: string, section: string): void {
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  const at = current.indexOf(RUNS_MARKER);
  const earlier = at >= 0 ? current.slice(at + RUNS_MARKER.length).replace(/^\n+/, "") : "";
  writeFileSync(path, `${INTRO}\n${section.trim()}\n${earlier ? `\n${earlier}` : ""}`);
}
