// `npm run bench`: build, start the app behind the bench entry and the Stripe emulator, seed through the
// real purchase path, load every scenario with autocannon, print a markdown table and put it at
// the top of docs/benchmarks.md. See docs/benchmarks.md for what each row means.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { repoRoot } from "../support/wrangler";
import { load, type LoadResult, type LoadSpec, pool } from "./load";
import {
  BACKLOG_EVENT_PREFIX,
  BENCH_BARE_PATH,
  BENCH_D1_READ_PATH,
  BENCH_D1_WRITE_PATH,
  BENCH_QUEUE_SEND_PATH,
  BENCH_READ_BODY_PATH,
  BENCH_INBOX_PATH,
  BENCH_ONLY_MARKERS,
  BENCH_QUEUE_BACKLOG_PATH,
  D1_QUERIES_HEADER,
  D1_ROUND_TRIPS_HEADER,
  D1_WAIT_HEADER,
} from "./hooks";
import { type BenchRow, fmt, table, verdict, writeJson, writeRun } from "./report";
import { buildApp, dryRunDeploy, type Servers, startServers, STRIPE_KEY, WEBHOOK_SECRET } from "./servers";
import { countOutcome, type Outcomes, type SignedEvent, signedCopies, templateEvent, uniqueEventRequests } from "./webhooks";
import { renewalStorm, type StormOptions } from "./storm";
import { buildWorld, LESSON_PATH, LESSON_TEXT, UNCHECKED_LESSON_PATH, type World } from "./world";

process.env.WRANGLER_SEND_METRICS = "false";

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
};

const CONFIG = {
  appPort: num("GATEHOUSE_BENCH_APP_PORT", 8810),
  stripePort: num("GATEHOUSE_BENCH_STRIPE_PORT", 12211),
  duration: num("BENCH_DURATION", 10),
  connections: num("BENCH_CONNECTIONS", 8),
  rounds: num("BENCH_ROUNDS", 5),
  tenants: num("BENCH_TENANTS", 5),
  webhookEvents: num("BENCH_WEBHOOK_EVENTS", 4000),
  /** The queue consumer's backlog: events enqueued at once, then timed until all are recorded. */
  backlogEvents: num("BENCH_BACKLOG_EVENTS", 10_000),
  seats: num("BENCH_SEATS", 10),
  seatMembers: num("BENCH_SEAT_MEMBERS", 40),
  /** Per page round: every load is bounded in requests as well as in time. */
  maxRequests: num("BENCH_MAX_REQUESTS", 50_000),
  write: process.env.BENCH_WRITE !== "0",
  /** The renewal storm (tests/bench/storm.ts): tenants renewing at once; BENCH_ONLY=storm runs it alone. */
  stormTenants: num("BENCH_STORM_TENANTS", 2000),
  stormSeconds: num("BENCH_STORM_SECONDS", 300),
  only: process.env.BENCH_ONLY ?? "",
  /** With BENCH_ONLY=pages: the page rows to load (comma-separated names; the bare Worker always runs). */
  pages: (process.env.BENCH_PAGES ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean),
};
const WARMUP_SECONDS = 2;

// The seats issue's race driver and its setup (tests/support/seat-race.ts), used when present.
type SeatRaceResult = {
  attempted: number;
  succeeded: number;
  conflicts: number;
  overAllocations: number;
  durationMs: number;
  unexpected?: Record<string, number>;
  before?: { capacity: number; used: number };
};
type SeatRaceModule = {
  seatRace?: (opts: { appUrl: string; cookie: string; slug: string; userIds: string[]; concurrency: number }) => Promise<SeatRaceResult>;
  seatRaceWorld?: (opts: {
    appUrl: string;
    seats: number;
    members: number;
    tag?: string;
    persistTo?: string;
  }) => Promise<{ cookie: string; slug: string; userIds: string[] }>;
};

const log = (message: string) => console.info(`[bench] ${message}`);

function commitLabel(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const hash = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot, encoding: "utf8" }).trim();
    return dirty ? `${hash} + uncommitted changes in the working tree` : hash;
  } catch {
    return "unknown (no git)";
  }
}

type Idle = { status: number; queries: number; roundTrips: number; d1WaitMs: number; ms: number; body: string };

/** The seat race's rate from its table cell ("150 req/s"), or null when it did not run. */
const seatRate = (cell: string): number | null => {
  const rate = Number(cell.replace(/[^0-9.]/g, ""));
  return Number.isFinite(rate) && rate > 0 ? Math.round(rate) : null;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The queue consumer's capacity: `count` copies of `template` (an event the app ignores) enqueued
 * at once into the app's queue through the bench entry (no webhook in front, so the consumer meets
 * a backlog instead of a trickle), then timed from the first one's enqueueing to the last one's
 * recording.
 */
async function backlogDrain(
  appUrl: string,
  template: string,
  count: number,
): Promise<{ done: number; ms: number; rate: number; enqueueMs: number; sends: number }> {
  const prefix = `${BACKLOG_EVENT_PREFIX}r`;
  const res = await fetch(`${appUrl}${BENCH_QUEUE_BACKLOG_PATH}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ prefix, count, template }),
  });
  if (res.status !== 200) throw new Error(`the queue backlog answered ${res.status} ${await res.text()}`);
  const sent = (await res.json()) as { enqueued: number; sends: number; firstEnqueuedAt: number; lastEnqueuedAt: number };
  const drain = await drained(appUrl, prefix, sent.enqueued);
  return { done: drain.done, ms: drain.ms, rate: drain.rate, enqueueMs: sent.lastEnqueuedAt - sent.firstEnqueuedAt, sends: sent.sends };
}

/**
 * `n` sequential requests on an otherwise idle app: the D1 statements one request runs and their
 * round trips (X-D1-Queries, X-D1-Round-Trips; must not vary), and the median latency and D1 wait (X-D1-Wait-Ms).
 */
/**
 * Waits (polling the bench entry, at most 120 s) until the queue consumer has recorded `expected`
 * events whose ids start with `prefix`; its rate is those events over the time from the first
 * one's acceptance to the last one's completion, both read from the inbox rows.
 */
/** `items` starting at position `round` (wrapping): each round of a load runs its rows in a new order. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const at = round % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}

async function drained(
  appUrl: string,
  prefix: string,
  expected: number,
): Promise<{ done: number; ms: number; rate: number; lagMs: number }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${appUrl}${BENCH_INBOX_PATH}?prefix=${prefix}`);
    const row = (await res.json()) as {
      done: number;
      firstReceivedAt: number | null;
      lastReceivedAt: number | null;
      lastProcessedAt: number | null;
    };
    if (row.done >= expected || Date.now() > deadline) {
      const ms = Math.max(1, (row.lastProcessedAt ?? 0) - (row.firstReceivedAt ?? 0));
      // How long after the last acceptance the backlog was gone: near the batch timeout means the
      // consumer kept pace with ingestion (its rate is then bounded by the ingest rate, not its own).
      const lagMs = (row.lastProcessedAt ?? 0) - (row.lastReceivedAt ?? 0);
      return { done: row.done, ms, rate: row.done / (ms / 1000), lagMs };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function idle(
  appUrl: string,
  path: string,
  init: RequestInit | ((i: number) => RequestInit) = {},
  n = 15,
  opts: { countsMayVary?: boolean } = {},
): Promise<Idle> {
  const runs: Idle[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(`${appUrl}${path}`, { redirect: "manual", ...(typeof init === "function" ? init(i) : init) });
    const body = await res.text();
    const ms = performance.now() - started;
    const header = res.headers.get(D1_QUERIES_HEADER);
    runs.push({
      status: res.status,
      queries: header === null ? 0 : Number(header),
      roundTrips: Number(res.headers.get(D1_ROUND_TRIPS_HEADER) ?? 0),
      d1WaitMs: Number(res.headers.get(D1_WAIT_HEADER) ?? 0),
      ms,
      body,
    });
  }
  const first = runs[0]!;
  if (opts.countsMayVary) {
    // The storefront's hits read no D1, but an isolate rereads the catalog version once its trust
    // window has passed (ADR 025): the statements of the most common answer, the hit's.
    if (runs.some((r) => r.status !== first.status)) throw new Error(`${path}: status varied between identical requests`);
    const common = median(runs.map((r) => r.queries));
    const typical = runs.find((r) => r.queries === common)!;
    return { ...typical, ms: median(runs.map((r) => r.ms)), d1WaitMs: median(runs.map((r) => r.d1WaitMs)) };
  }
  if (runs.some((r) => r.status !== first.status || r.queries !== first.queries || r.roundTrips !== first.roundTrips)) {
    throw new Error(
      `${path}: status or D1 statement or round-trip count varied between identical requests: ${runs.map((r) => `${r.status}/${r.queries}/${r.roundTrips}`).join(" ")}`,
    );
  }
  return { ...first, ms: median(runs.map((r) => r.ms)), d1WaitMs: median(runs.map((r) => r.d1WaitMs)) };
}

const postEvent = (e: SignedEvent): { method: string; headers: Record<string, string>; body: string } => ({
  method: "POST",
  headers: { "Content-Type": "application/json", "Stripe-Signature": e.header },
  body: e.payload,
});

async function clientJs(appUrl: string): Promise<{ files: number; raw: number; gzip: number }> {
  const html = await (await fetch(`${appUrl}/pricing`)).text();
  const paths = [...new Set([...html.matchAll(/["'](\/assets\/[^"']+\.js)["']/g)].map((m) => m[1]!))];
  let raw = 0;
  let gzip = 0;
  for (const path of paths) {
    const res = await fetch(`${appUrl}${path}`);
    if (res.status !== 200) throw new Error(`${path} referenced by /pricing answered ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { files: paths.length, raw, gzip };
}

/** The production Worker's bundle (never the bench entry's), refused if any bench code made it in. */
function workerBundle(config: string): { raw: number; gzip: number; files: string[]; wrangler: string | null } {
  const dry = dryRunDeploy(config);
  try {
    const files = readdirSync(dry.outdir).filter((f) => /\.(m?js|wasm)$/.test(f));
    let raw = 0;
    let gzip = 0;
    for (const f of files) {
      const bytes = readFileSync(join(dry.outdir, f));
      const text = bytes.toString("latin1");
      const found = BENCH_ONLY_MARKERS.filter((marker) => text.includes(marker));
      if (found.length > 0) throw new Error(`the production Worker bundle (${f}) contains bench code: ${found.join(", ")}`);
      raw += bytes.length;
      gzip += gzipSync(bytes).length;
    }
    return { raw, gzip, files, wrangler: dry.wranglerSummary };
  } finally {
    dry.cleanup();
  }
}

/** The seat race row: many concurrent seat assignments for one tenant; over-allocations must be 0. */
async function seatRace(appUrl: string, persistTo: string): Promise<{ row: string[]; note: string; ok: boolean | null }> {
  const name = "Seat race (POST /api/orgs/:slug/seats)";
  const pending = (why: string) => ({
    row: [name, `pending (${why})`, "–", "–", "–", "–", "–", "–", "–", "over-allocations = 0", verdict(null)],
    note: ` Seat race: ${why}; the row stays pending until tests/support/seat-race.ts (seats issue) provides seatRace() and seatRaceWorld().`,
    ok: null,
  });
  const helper = join(repoRoot, "tests/support/seat-race.ts");
  if (!existsSync(helper)) return pending("seats issue");
  const mod = (await import(pathToFileURL(helper).href)) as SeatRaceModule;
  if (typeof mod.seatRace !== "function" || typeof mod.seatRaceWorld !== "function") return pending("seat-race helper incomplete");
  log(`seat race: buying ${CONFIG.seats} seats and making ${CONFIG.seatMembers} members (signup, invite, accept)`);
  const world = await mod.seatRaceWorld({ appUrl, seats: CONFIG.seats, members: CONFIG.seatMembers, tag: "bench", persistTo });
  const race = await mod.seatRace({
    appUrl,
    cookie: world.cookie,
    slug: world.slug,
    userIds: world.userIds,
    concurrency: CONFIG.connections,
  });
  const rate = race.attempted / (race.durationMs / 1000);
  const unexpected = Object.values(race.unexpected ?? {}).reduce((n, c) => n + c, 0);
  const ok = race.overAllocations === 0 && unexpected === 0;
  log(`seat race: ${JSON.stringify(race)}`);
  return {
    row: [
      `${name}: ${race.attempted} members race for ${race.before ? race.before.capacity - race.before.used : "?"} free seats`,
      `${fmt.rps(rate)} req/s`,
      "–",
      "–",
      "–",
      "in the DO",
      "in the DO",
      "–",
      `${race.conflicts} × 409 (expected) / ${unexpected} unexpected`,
      "over-allocations = 0",
      `${verdict(ok)} (${race.overAllocations} over-allocated, ${race.succeeded} seated)`,
    ],
    note: ` Seat race: ${race.attempted} assignments, ${CONFIG.connections} at a time, in ${race.durationMs} ms; ${race.succeeded} seated, ${race.conflicts} refused with 409, unexpected ${JSON.stringify(race.unexpected ?? {})}, over-allocations ${race.overAllocations}.`,
    ok,
  };
}

async function main() {
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const commit = commitLabel();
  log(`commit ${commit}; ${cpus().length} cores, load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);

  log("building the app (npm run build)");
  buildApp();
  log(`starting the Stripe emulator (:${CONFIG.stripePort}) and the app behind the bench entry (:${CONFIG.appPort})`);
  const servers: Servers = await startServers({ appPort: CONFIG.appPort, stripePort: CONFIG.stripePort });
  const stopOnSignal = () => void servers.stop().finally(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    const { appUrl } = servers;
    log(`seeding through signup, Checkout and webhooks (1 reader with Accelerator, ${CONFIG.tenants} Organization buyers)`);
    const world: World = await buildWorld({ appUrl, stripeUrl: servers.stripeUrl, extraTenants: CONFIG.tenants });
    const storm = (bareRps?: number) =>
      renewalStorm({
        appUrl,
        stripeUrl: servers.stripeUrl,
        stripeKey: STRIPE_KEY,
        webhookSecret: WEBHOOK_SECRET,
        tenants: CONFIG.stormTenants,
        connections: CONFIG.connections,
        maxSeconds: CONFIG.stormSeconds,
        bareRps,
        log,
      } satisfies StormOptions);
    if (CONFIG.only === "storm") {
      const alone = await storm();
      console.info(`\n${alone.row.join(" | ")}\n\nNotes:${alone.note}\n`);
      log(alone.ok ? "renewal storm: target met" : "renewal storm: target missed");
      if (!alone.ok) process.exitCode = 1;
      return;
    }
    if (CONFIG.only && CONFIG.only !== "pages" && CONFIG.only !== "webhooks")
      throw new Error(`BENCH_ONLY=${CONFIG.only}: only "storm", "pages" and "webhooks" are known`);
    // The reader's session and D1 bookmark (ADR 021), as their browser sends them.
    const cookie = [world.reader.browser.cookie!, world.reader.browser.bookmark].filter(Boolean).join("; ");
    const asReader = { Cookie: cookie };

    const base = { url: appUrl, connections: CONFIG.connections, duration: CONFIG.duration };
    type PageSpec = { path: string; headers: Record<string, string>; method?: string };
    const pages = {
      bare: { path: BENCH_BARE_PATH, headers: {} },
      d1Read: { path: BENCH_D1_READ_PATH, headers: {} },
      d1Write: { path: BENCH_D1_WRITE_PATH, headers: {}, method: "POST" },
      apiPricing: { path: "/api/public/pricing", headers: {} },
      pricing: { path: "/pricing", headers: {} },
      dashboard: { path: "/dashboard", headers: asReader },
      lesson: { path: LESSON_PATH, headers: asReader },
      unchecked: { path: UNCHECKED_LESSON_PATH, headers: asReader },
    } satisfies Record<string, PageSpec>;
    type Page = keyof typeof pages;
    const page = (name: Page): PageSpec => pages[name];
    const all = Object.keys(pages) as Page[];
    // BENCH_ONLY=pages runs the page rows alone (BENCH_PAGES picks some of them), prints their ratios
    // to the bare Worker and writes nothing: a quick before/after comparison, not a full run.
    for (const name of CONFIG.pages)
      if (!all.includes(name as Page)) throw new Error(`BENCH_PAGES: unknown page ${name} (known: ${all.join(", ")})`);
    // BENCH_ONLY=webhooks loads the bare Worker, then the read-body and queue-send ceilings and the webhook ingest, and prints their ratios.
    const names =
      CONFIG.only === "webhooks"
        ? (["bare"] as Page[])
        : CONFIG.only === "pages" && CONFIG.pages.length > 0
          ? all.filter((n) => n === "bare" || CONFIG.pages.includes(n))
          : all;
    const spec = (name: Page, duration: number): LoadSpec => {
      const { path, headers, method } = page(name);
      return { ...base, url: `${appUrl}${path}`, headers, ...(method ? { method } : {}), duration, amount: CONFIG.maxRequests };
    };

    log("warming up, then probing each page on the idle app");
    for (const name of names) await load(spec(name, WARMUP_SECONDS));
    const q = {} as Record<Page, Idle>;
    for (const name of names) {
      const { path, headers, method } = page(name);
      const storefront = name === "pricing" || name === "apiPricing";
      q[name] = await idle(appUrl, path, { headers, ...(method ? { method } : {}) }, 15, { countsMayVary: storefront });
    }
    for (const name of names) if (q[name].status !== 200) throw new Error(`${pages[name].path} answered ${q[name].status} before the load`);
    for (const name of (["lesson", "unchecked"] as const).filter((n) => names.includes(n))) {
      if (!q[name].body.replace(/<!-- -->/g, "").includes(LESSON_TEXT)) throw new Error(`${pages[name].path} did not render the lesson`);
    }

    // Every page runs in rounds, round-robin with a rotating order, and each row pools its rounds:
    // drift in the machine's load (other engineers' tests) then hits every row alike.
    const roundSeconds = CONFIG.duration / CONFIG.rounds;
    const rounds = Object.fromEntries(names.map((n) => [n, [] as LoadResult[]])) as Record<Page, LoadResult[]>;
    for (let i = 0; i < CONFIG.rounds; i++) {
      for (const name of rotated(names, i)) rounds[name].push(await load(spec(name, roundSeconds)));
      log(`round ${i + 1}/${CONFIG.rounds} done`);
    }
    const r = Object.fromEntries(names.map((n) => [n, pool(rounds[n])])) as Record<Page, LoadResult>;
    for (const name of names) {
      const x = r[name];
      log(`${name}: ${fmt.rps(x.rps)} req/s, p50 ${fmt.ms(x.p50)} ms, p99 ${fmt.ms(x.p99)} ms, non-2xx ${x.non2xx}, errors ${x.errors}`);
    }
    if (CONFIG.only === "pages") {
      for (const name of names) {
        const x = r[name];
        console.info(
          `${name}: ${fmt.rps(x.rps)} req/s, ${fmt.pct((x.rps / r.bare.rps) * 100)} of bare, D1 ${q[name].queries} statements in ${q[name].roundTrips} round trips`,
        );
      }
      return;
    }
    const { bare, d1Read, d1Write, apiPricing, pricing, dashboard, lesson, unchecked } = r;

    // Webhooks: unique signed events, then one processed event posted again and again.
    log("webhooks: preparing signed events");
    const template = await templateEvent({ stripeUrl: servers.stripeUrl, key: STRIPE_KEY, email: world.reader.email });
    const warmEvents = await signedCopies({ template, secret: WEBHOOK_SECRET, count: 200, tag: "w" });
    await load({ ...base, duration: WARMUP_SECONDS * 5, amount: warmEvents.length, requests: uniqueEventRequests(warmEvents, {}) });
    const probeEvents = await signedCopies({ template, secret: WEBHOOK_SECRET, count: 15, tag: "p" });
    const webhookIdle = await idle(appUrl, "/api/stripe/webhook", (i) => postEvent(probeEvents[i]!), probeEvents.length);
    const probeOutcome = (JSON.parse(webhookIdle.body) as { outcome?: string }).outcome;
    if (webhookIdle.status !== 200 || probeOutcome !== "queued")
      throw new Error(`a signed customer.created event answered ${webhookIdle.status} ${webhookIdle.body}`);
    const dupe = probeEvents[0]!;
    const dupeIdle = await idle(appUrl, "/api/stripe/webhook", postEvent(dupe));
    // The webhook row and its ceilings, each posting its own copies of the same event: the bodies read
    // whole and answered, nothing sent (receiving a webhook alone); each sent as one message to a
    // queue nobody consumes (no verification, no parsing: the webhook's own I/O alone); the webhook.
    // Like the pages they run in rounds, in a rotating order, each round with a bare Worker load of
    // its own: their ratios then compare loads made in the same minutes, whatever the machine's drift.
    const perRound = Math.ceil(CONFIG.webhookEvents / CONFIG.rounds);
    const posting = async (name: string, path: string, tag: string) => {
      const copies = await signedCopies({ template, secret: WEBHOOK_SECRET, count: CONFIG.webhookEvents, tag });
      const outcomes: Outcomes = {};
      const rounds: LoadResult[] = [];
      const run = async (round: number) => {
        const slice = copies.slice(round * perRound, (round + 1) * perRound);
        rounds.push(
          await load({ ...base, duration: CONFIG.duration, amount: slice.length, requests: uniqueEventRequests(slice, outcomes, path) }),
        );
      };
      return { name, copies, outcomes, rounds, run };
    };
    const readBodyIdle = await idle(appUrl, BENCH_READ_BODY_PATH, (i) => postEvent(probeEvents[i]!), probeEvents.length);
    const queueSendIdle = await idle(appUrl, BENCH_QUEUE_SEND_PATH, (i) => postEvent(probeEvents[i]!), probeEvents.length);
    const [readBodyPosts, queueSendPosts, ingestPosts] = await Promise.all([
      posting("read body", BENCH_READ_BODY_PATH, "r"),
      posting("queue send", BENCH_QUEUE_SEND_PATH, "s"),
      posting("webhook ingest", "/api/stripe/webhook", "u"),
    ]);
    const posted = [readBodyPosts, queueSendPosts, ingestPosts];
    const bareRounds: LoadResult[] = [];
    const loadBare = async () => {
      bareRounds.push(await load(spec("bare", roundSeconds)));
    };
    for (let round = 0; round < CONFIG.rounds; round++) {
      for (const run of rotated([loadBare, ...posted.map((p) => () => p.run(round))], round)) await run();
      log(`webhook round ${round + 1}/${CONFIG.rounds} done`);
    }
    const hookBare = pool(bareRounds);
    const readBody = pool(readBodyPosts.rounds);
    const queueSend = pool(queueSendPosts.rounds);
    const unique = pool(ingestPosts.rounds);
    for (const [p, x] of [
      [readBodyPosts, readBody],
      [queueSendPosts, queueSend],
      [ingestPosts, unique],
    ] as const)
      log(`${p.name}: ${fmt.rps(x.rps)} req/s, outcomes ${JSON.stringify(p.outcomes)}`);
    log(`bare Worker in the webhook rounds: ${fmt.rps(hookBare.rps)} req/s`);
    const events = ingestPosts.copies;
    const uniqueOutcomes = ingestPosts.outcomes;
    if (CONFIG.only === "webhooks") {
      for (const [name, x] of [
        ["bare", hookBare],
        ["read body ceiling", readBody],
        ["queue send ceiling", queueSend],
        ["webhook ingest", unique],
      ] as const)
        console.info(`${name}: ${fmt.rps(x.rps)} req/s, ${fmt.pct((x.rps / hookBare.rps) * 100)} of bare (the webhook rounds' own)`);
      return;
    }
    const consumer = await drained(appUrl, "evt_benchu", uniqueOutcomes.queued ?? 0);
    log(
      `queue consumer: ${consumer.done} of ${uniqueOutcomes.queued ?? 0} events in ${fmt.ms(consumer.ms)} ms: ${fmt.rps(consumer.rate)} events/s, drained ${fmt.ms(consumer.lagMs)} ms after the last acceptance`,
    );
    const backlog = await backlogDrain(appUrl, template, CONFIG.backlogEvents);
    log(
      `queue consumer capacity: a backlog of ${CONFIG.backlogEvents} events (enqueued in ${backlog.sends} sendBatch calls in ${fmt.ms(backlog.enqueueMs)} ms), ${backlog.done} recorded in ${fmt.ms(backlog.ms)} ms: ${fmt.rps(backlog.rate)} events/s`,
    );
    const dupeOutcomes: Outcomes = {};
    const duplicates = await load({
      ...base,
      amount: CONFIG.maxRequests,
      requests: [
        { path: "/api/stripe/webhook", ...postEvent(dupe), onResponse: (status, body) => countOutcome(dupeOutcomes, status, body) },
      ],
    });
    log(`webhooks duplicates: ${fmt.rps(duplicates.rps)} req/s, outcomes ${JSON.stringify(dupeOutcomes)}`);

    const seats = await seatRace(appUrl, servers.persistTo);
    const renewals = await storm(bare.rps);
    const js = await clientJs(appUrl);
    const bundle = workerBundle(servers.config);
    const loadAtEnd = loadavg();

    // Targets.
    const accessCost = (unchecked.rps / lesson.rps - 1) * 100;
    const accessQueries = q.lesson.queries - q.unchecked.queries;
    const signed = (ms: number) => `${ms >= 0 ? "+" : "−"}${fmt.ms(Math.abs(ms))}`;
    // Issue 18's target: the access decision costs at most 5% and is exactly one D1 statement.
    const ACCESS_TARGET = "≤ 5% and exactly 1 query";
    const accessOk = accessCost <= 5 && accessQueries === 1;
    const apiRatio = apiPricing.rps / bare.rps;
    // Issue 18: the anonymous pricing page, from the edge cache, at ≥ 60% of the bare Worker.
    const pricingOk = pricing.rps / bare.rps >= 0.6;
    // Every unique event must come back "queued" (verified and enqueued), none lost, and the
    // consumer must then record every one of them.
    const uniqueQueued = uniqueOutcomes.queued ?? 0;
    const uniqueClean = uniqueQueued === unique.requests && unique.errors === 0;
    const uniqueRate = uniqueQueued / unique.seconds;
    // Against the bare Worker loaded in the same rounds as the webhook.
    const ingestOk = uniqueClean && unique.rps / hookBare.rps >= 0.7;
    // The consumer's capacity is its drain of the backlog; it must also have recorded every ingested
    // event. More may be recorded than were counted "queued" when the time bound stopped the load:
    // requests in flight then were still accepted, but autocannon counted no answer for them.
    const consumerOk =
      uniqueClean && consumer.done >= uniqueQueued && backlog.done === CONFIG.backlogEvents && backlog.rate / d1Write.rps >= 3;
    const bundleOk = bundle.gzip < 1024 * 1024;
    // Issue 18: the dashboard at ≥ 20% of the bare Worker, in one D1 round trip.
    const DASHBOARD_TARGET = "≥ 20% of bare; 1 round trip";
    const dashboardOk = dashboard.rps / bare.rps >= 0.2 && q.dashboard.roundTrips === 1;

    const failures = (x: LoadResult) => `${x.non2xx} / ${x.errors}`;
    const idleCell = (x: Idle) => `${fmt.ms(x.ms)} (${x.d1WaitMs})`;
    // docs/benchmarks.json: the same rows for tools (ratios as fractions of the bare Worker).
    const json: BenchRow[] = [];
    const record = (scenario: string, rps: number | null, i: Idle | null, target: string, pass: boolean | null, against = bare) =>
      json.push({
        scenario,
        reqPerSec: rps === null ? null : Math.round(rps),
        vsBare: rps === null ? null : Number((rps / against.rps).toFixed(3)),
        d1Statements: i?.queries ?? null,
        d1RoundTrips: i?.roundTrips ?? null,
        target: target === "–" ? null : target,
        pass,
      });
    // A row built by hand: recorded in table order, like row() below.
    const hand = (cells: string[], entry: Omit<BenchRow, "scenario">): string[] => {
      json.push({ scenario: cells[0]!, ...entry });
      return cells;
    };
    // `against`: the bare Worker this row is compared with (the webhook rows: their rounds' own).
    const row = (
      name: string,
      x: LoadResult,
      i: Idle,
      target: string,
      result: string,
      pass: boolean | null = null,
      against = bare,
    ): string[] => {
      record(name, x.rps, i, target, pass, against);
      return [
        name,
        fmt.rps(x.rps),
        fmt.ms(x.p50),
        fmt.ms(x.p99),
        fmt.pct((x.rps / against.rps) * 100),
        String(i.queries),
        String(i.roundTrips),
        idleCell(i),
        failures(x),
        target,
        result,
      ];
    };
    const header = [
      "Scenario",
      "req/s",
      "p50 ms",
      "p99 ms",
      "vs bare",
      "D1 queries/req",
      "D1 round trips/req",
      "idle ms (D1 wait ms)",
      "non-2xx / errors",
      "Target",
      "Result",
    ];
    const loadRows: string[][] = [
      row("Bare Worker (static string, same workerd)", bare, q.bare, "ceiling", "–"),
      row("Bare Worker + one D1 read (`SELECT 1`)", d1Read, q.d1Read, "ceiling for one read", "–"),
      row("Bare Worker + one D1 write (an inbox row, POST)", d1Write, q.d1Write, "ceiling for one write", "–"),
      row("Bare Worker + read a webhook's body (POST, nothing sent)", readBody, readBodyIdle, "ceiling for receiving", "–", null, hookBare),
      row(
        "Bare Worker + one queue send (a webhook's body as one message, POST)",
        queueSend,
        queueSendIdle,
        "ceiling for one send",
        "–",
        null,
        hookBare,
      ),
      row("GET /api/public/pricing (anonymous)", apiPricing, q.apiPricing, "≥ 50% of bare", verdict(apiRatio >= 0.5), apiRatio >= 0.5),
      row("GET /pricing (anonymous, HTML)", pricing, q.pricing, "≥ 60% of bare", verdict(pricingOk), pricingOk),
      row("GET /dashboard (entitled user)", dashboard, q.dashboard, DASHBOARD_TARGET, verdict(dashboardOk), dashboardOk),
      row("Accelerator lesson, access checked (entitled user)", lesson, q.lesson, "–", "–"),
      row("Same lesson without the access check", unchecked, q.unchecked, "–", "–"),
      hand(
        [
          "Access check cost (checked vs unchecked)",
          `${accessCost >= 0 ? "+" : "−"}${Math.abs(accessCost).toFixed(1)}% time/req`,
          `${signed(lesson.p50 - unchecked.p50)}`,
          `${signed(lesson.p99 - unchecked.p99)}`,
          "",
          `${accessQueries >= 0 ? "+" : ""}${accessQueries}`,
          `${q.lesson.roundTrips - q.unchecked.roundTrips >= 0 ? "+" : ""}${q.lesson.roundTrips - q.unchecked.roundTrips}`,
          `${signed(q.lesson.ms - q.unchecked.ms)}`,
          "",
          ACCESS_TARGET,
          verdict(accessOk),
        ],
        {
          reqPerSec: null,
          vsBare: null,
          d1Statements: accessQueries,
          d1RoundTrips: q.lesson.roundTrips - q.unchecked.roundTrips,
          target: ACCESS_TARGET,
          pass: accessOk,
        },
      ),
      hand(
        [
          "Webhook ingest: unique signed events (customer.created, verify + enqueue + 2xx)",
          `${fmt.rps(uniqueRate)} events/s`,
          fmt.ms(unique.p50),
          fmt.ms(unique.p99),
          fmt.pct((unique.rps / hookBare.rps) * 100),
          String(webhookIdle.queries),
          String(webhookIdle.roundTrips),
          idleCell(webhookIdle),
          failures(unique),
          "≥ 70% of bare, all queued",
          // Beside the verdict: how close the webhook comes to its own I/O alone (the queue-send ceiling).
          `${verdict(ingestOk)} (${fmt.pct((unique.rps / queueSend.rps) * 100)} of one queue send)`,
        ],
        {
          reqPerSec: Math.round(uniqueRate),
          vsBare: Number((unique.rps / hookBare.rps).toFixed(3)),
          d1Statements: webhookIdle.queries,
          d1RoundTrips: webhookIdle.roundTrips,
          target: "≥ 70% of bare, all queued",
          pass: ingestOk,
        },
      ),
      hand(
        [
          `Queue consumer: a backlog of ${CONFIG.backlogEvents} ignored events drained (batches of 100, one D1 batch each)`,
          `${fmt.rps(backlog.rate)} events/s`,
          "",
          "",
          "",
          "",
          "",
          `${Math.max(0, uniqueQueued - consumer.done) + CONFIG.backlogEvents - backlog.done} unrecorded`,
          "≥ 300% of one D1 write, all recorded",
          `${verdict(consumerOk)} (${fmt.pct((backlog.rate / d1Write.rps) * 100)} of one D1 write)`,
        ],
        {
          reqPerSec: Math.round(backlog.rate),
          vsBare: null,
          d1Statements: null,
          d1RoundTrips: null,
          target: "≥ 300% of one D1 write, all recorded",
          pass: consumerOk,
        },
      ),
      row("Webhooks: duplicates (one processed event, reposted)", duplicates, dupeIdle, "–", "–"),
      hand(seats.row, {
        reqPerSec: seatRate(seats.row[1]!),
        vsBare: null,
        d1Statements: null,
        d1RoundTrips: null,
        target: "over-allocations = 0",
        pass: seats.ok,
      }),
      hand(renewals.row, {
        reqPerSec: Math.round(renewals.acceptedPerSecond),
        vsBare: null,
        d1Statements: null,
        d1RoundTrips: null,
        target: "0 lost, 0 twice, 0 non-2xx",
        pass: renewals.ok,
      }),
    ];
    const sizeRows = [
      [
        "Worker bundle (`wrangler deploy --dry-run --minify`)",
        fmt.kib(bundle.raw),
        fmt.kib(bundle.gzip),
        bundle.files.join(", "),
        "< 1 MiB gzipped",
        verdict(bundleOk),
      ],
      ["Client JS for /pricing (modulepreload + entry)", fmt.kib(js.raw), fmt.kib(js.gzip), `${js.files} files`, "–", "–"],
    ];

    const busy = loadAtStart[0]! > cpus().length * 0.25 || loadAtEnd[0]! > cpus().length * 1.5;
    const stamp = startedAt.toISOString().replace("T", " ").slice(0, 16);
    const section = [
      `## ${stamp} UTC · commit ${commit}`,
      "",
      `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, wrangler dev (local workerd).` +
        ` Load average before the build ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}, after the run ${loadAtEnd.map((l) => l.toFixed(2)).join(" ")}.` +
        (busy
          ? " **The machine was not idle** (load average above the bench's threshold: other work was running on it): compare ratios, not absolute numbers."
          : ""),
      "",
      `Load: autocannon, ${CONFIG.connections} connections from the bench process to 127.0.0.1. Pages: ${CONFIG.duration} s each after a ${WARMUP_SECONDS} s warm-up,` +
        ` as ${CONFIG.rounds} round-robin rounds of ${roundSeconds.toFixed(1)} s (rotating order) pooled per row. Webhooks: the ingest row and its two ceilings in ${CONFIG.rounds} rounds (rotating order), each round with a bare Worker load of its own (${fmt.rps(hookBare.rps)} req/s pooled), which is what their "vs bare" compares with; each round posts ${perRound} unique events per row, bounded by ${CONFIG.duration} s; duplicates ${CONFIG.duration} s. Seeded: ${world.users} users, ${world.tenants.length} tenants` +
        ` (all through signup, Checkout on the emulator and its signed webhooks).`,
      "",
      table(header, loadRows),
      "",
      table(["Size", "raw", "gzip", "files", "Target", "Result"], sizeRows),
      "",
      `Notes: webhook events are copies of the \`customer.created\` event the emulator emitted for the reader's customer, each with a new id, signed by the bench with` +
        ` the app's webhook secret (\`Stripe.webhooks.generateTestHeaderStringAsync\`); the app verifies and enqueues every one, and its queue consumer records each in the inbox as ignored (one D1 batch per queue batch).` +
        ` ${unique.requests} unique events (of ${events.length} prepared) in ${unique.seconds.toFixed(1)} s, outcomes ${JSON.stringify(uniqueOutcomes)}; the consumer recorded ${consumer.done} in ${fmt.ms(consumer.ms)} ms (first accepted to last recorded), the last ${fmt.ms(consumer.lagMs)} ms after the last was accepted (so it kept pace with ingestion).` +
        ` Consumer capacity: ${backlog.done} of ${CONFIG.backlogEvents} copies enqueued straight into the queue by the bench entry (${backlog.sends} sendBatch calls in ${fmt.ms(backlog.enqueueMs)} ms) recorded ${fmt.ms(backlog.ms)} ms after the first was enqueued (local Queues simulation: one batch at a time, see docs/benchmarks.md); duplicates: ${JSON.stringify(dupeOutcomes)}.` +
        ` Access cost = unchecked req/s ÷ checked req/s − 1. wrangler's own figure: ${bundle.wrangler ?? "n/a"}.` +
        seats.note +
        renewals.note,
      "",
    ].join("\n");

    console.info(`\n${section}`);
    if (CONFIG.write) {
      writeRun(join(repoRoot, "docs/benchmarks.md"), section);
      writeJson(join(repoRoot, "docs/benchmarks.json"), { commit, startedAt: startedAt.toISOString(), rows: json });
      log("wrote docs/benchmarks.md and docs/benchmarks.json");
    }
    const failed = [
      accessOk,
      apiRatio >= 0.5,
      pricingOk,
      dashboardOk,
      ingestOk,
      consumerOk,
      bundleOk,
      seats.ok !== false,
      renewals.ok,
    ].filter((ok) => !ok).length;
    log(failed ? `${failed} target(s) missed (see the table)` : "all measured targets met");
  } finally {
    await servers.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
