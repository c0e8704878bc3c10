// Markdown output: the run's tables, printed and inserted at the top of docs/benchmarks.md so
// earlier runs (other commits) stay below for comparison.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

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
(BENCH_MODE=1, a throwaway migrated and seeded D1) next to the Stripe emulator, creates its users,
tenants and entitlements through the real signup, Checkout and webhook path, and loads it from the
bench process on 127.0.0.1 with autocannon, every load bounded in time and in requests. All rows
of a run come from the same app process, so ratios between them are fair; absolute numbers depend
on the machine and on what else runs on it.

- **Bare Worker**: \`GET /__bench/bare\` answered first thing in app/worker.ts with a static
  string, in the same workerd as the app: the ceiling on this machine.
- **D1 queries** are counted by wrapping the D1 binding (app/infra/d1/counting.server.ts; each
  executed statement counts, a batch counts each statement) and read from the \`X-D1-Queries\`
  header. Queries run inside the SeatAllocator Durable Object are not part of a request's count.
- **Access check**: the gated Accelerator lesson against the same page rendered by a bench-only
  route that requires the session but skips the entitlement check (its nav skips the access query
  too), so the two differ by exactly the access query and decision. Cost = how much longer a
  request takes on average, from the request rates (unchecked req/s ÷ checked req/s − 1).
- **Rounds**: the page rows run round-robin in short rounds (rotating order) and each row pools its
  rounds, so drift in the machine's load hits every row alike.
- **Webhooks**: see the run's own note for how events were made. Unique events each carry a new
  id; duplicates post one already-processed event again and again.
- **Seat race**: tests/support/seat-race.ts (seats issue) buys \`BENCH_SEATS\` Organization seats,
  makes \`BENCH_SEAT_MEMBERS\` members through invitations, then has the owner assign all of them
  at once (\`BENCH_CONNECTIONS\` in flight); over-allocations compare the seat API's count before
  and after with the 200s. Its D1 work runs in the SeatAllocator Durable Object.
- p50/p99 are computed from every response time (ms); req/s is completed responses over the
  scenario's wall time.
- **idle ms (D1 wait ms)**: the median of 15 sequential requests on the otherwise idle app (after
  the warm-up), and the median time those requests waited on D1 (\`X-D1-Wait-Ms\`, 1 ms clock).
  It separates what a request costs from what the load generator sharing two cores costs.
- All hooks are off unless BENCH_MODE=1 (tests/integration/bench-hooks.test.ts).

Knobs (environment): \`BENCH_DURATION\` seconds per scenario (10), \`BENCH_CONNECTIONS\` (8),
\`BENCH_ROUNDS\` round-robin rounds the page time is split into (5), \`BENCH_TENANTS\` extra Organization
buyers seeded (5), \`BENCH_WEBHOOK_EVENTS\` unique events prepared (4000),
\`BENCH_SEATS\` / \`BENCH_SEAT_MEMBERS\` for the seat race (10 / 40), \`BENCH_MAX_REQUESTS\` per
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
