// The renewal storm: a month-start replayed for `tenants` Organization subscriptions at once.
//
// Tenants: each is a real customer + subscription in the Stripe emulator (made through its API, on test
// clocks so they can be renewed on demand), provisioned in D1 by the bench entry's seed route with the
// app's own provisioning statements (tests/bench/worker/storm.ts) instead of a Checkout each, which
// would take minutes for thousands. Events: the clocks are advanced past the period end while the
// emulator holds its deliveries, so every subscription renews exactly as Stripe renews one (the
// emulator's own cycle: new period and draft invoice, finalized an hour later and paid); the held
// events are taken with their exact payloads, given a storm id prefix, put in time order (all renewals,
// then all payments, as a month-start comes) and posted by autocannon, each signed as it is sent.
// The inbox is then polled through the bench entry until every event is processed or ignored (the
// drain), and the effects are counted: one inbox row and one attempt per event, one entitlement
// update per subscription, every subscription on its new period.
import { type RequestSpec } from "autocannon";
import Stripe from "stripe";
import { emulatorControl } from "../stripe-emulator/control";
import {
  BENCH_STORM_EFFECTS_PATH,
  BENCH_STORM_INBOX_PATH,
  BENCH_STORM_SEED_PATH,
  D1_QUERIES_HEADER,
  STORM_EVENT_PREFIX,
  STORM_TENANT_PREFIX,
} from "./hooks";
import { load, type LoadResult } from "./load";
import { fmt, verdict } from "./report";
import { stripeClient } from "./webhooks";
import { signUp } from "./world";

const ORGANIZATION_PRICE = "prc_organization_pro_monthly";
const SEATS = 5;
/** Customers per test clock: each advance walks its subscriptions step by step. */
const CLOCK_SIZE = 100;
const SEED_CHUNK = 50;
const HOUR = 3600;

export type StormOptions = {
  appUrl: string;
  stripeUrl: string;
  stripeKey: string;
  webhookSecret: string;
  tenants: number;
  connections: number;
  /** Bounds the send (seconds), and the drain after it. */
  maxSeconds: number;
  /** The bare Worker's req/s in this run, for the "vs bare" cell (absent when the storm runs alone). */
  bareRps?: number;
  log: (message: string) => void;
};

export type PerType = { events: number; d1Statements: number; ms: number; bytes: number; outcomes: Record<string, number> };

export type StormResult = {
  row: string[];
  note: string;
  ok: boolean;
  tenants: number;
  events: number;
  accepted: number;
  acceptedPerSecond: number;
  sendMs: number;
  drainMs: number | null;
  lost: number;
  twice: number;
  non2xx: number;
  errors: number;
  perType: Record<string, PerType>;
  load: LoadResult;
};

type StormEvent = { id: string; type: string; payload: string };

/** Runs `fn` over `items`, `width` at a time, in order of start. */
async function inPool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url} -> ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Creates the tenants in Stripe and D1; returns the subscriptions with the period end they renew at. */
async function makeTenants(opts: StormOptions, tag: string): Promise<{ subscriptions: Stripe.Subscription[]; clocks: string[] }> {
  const stripe = stripeClient(opts.stripeUrl, opts.stripeKey);
  const control = emulatorControl(opts.stripeUrl);
  const price = (await stripe.prices.list({ limit: 100 })).data.find((p) => p.metadata.gatehouse_price_id === ORGANIZATION_PRICE);
  if (!price) throw new Error(`no Stripe price for ${ORGANIZATION_PRICE} yet (the bench's Organization buyers create it)`);
  const owner = await signUp(opts.appUrl, `bench-storm-owner-${tag}@example.com`);

  // The purchases themselves are not what is measured: their events are dropped, not delivered.
  await control.flush();
  await control.setMode("drop");
  try {
    const frozen = Math.floor(Date.now() / 1000);
    const clocks = await inPool(Array.from({ length: Math.ceil(opts.tenants / CLOCK_SIZE) }), 4, async (_, i) => {
      return (await stripe.testHelpers.testClocks.create({ frozen_time: frozen, name: `storm ${tag} ${i}` })).id;
    });
    // Chunk by chunk: its subscriptions in the emulator, then its tenants in D1 (one seed batch).
    const subscriptions: Stripe.Subscription[] = [];
    for (let first = 0; first < opts.tenants; first += SEED_CHUNK) {
      const indexes = Array.from({ length: Math.min(SEED_CHUNK, opts.tenants - first) }, (_, j) => first + j);
      const chunk = await inPool(indexes, 8, async (i) => {
        const customer = await stripe.customers.create({
          email: `storm-${tag}-${i}@example.com`,
          name: `Storm Org ${i}`,
          test_clock: clocks[Math.floor(i / CLOCK_SIZE)]!,
          payment_method: "pm_card_visa",
          invoice_settings: { default_payment_method: "pm_card_visa" },
        });
        const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: SEATS }] });
        if (sub.status !== "active") throw new Error(`storm subscription ${sub.id} is ${sub.status}, not active`);
        return sub;
      });
      await getJson(`${opts.appUrl}${BENCH_STORM_SEED_PATH}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          ownerUserId: owner.userId,
          tenants: chunk.map((subscription, j) => {
            const i = first + j;
            return { id: `${STORM_TENANT_PREFIX}_${tag}_${i}`, name: `Storm Org ${i}`, slug: `storm-${tag}-${i}`, subscription };
          }),
        }),
      });
      subscriptions.push(...chunk);
    }
    opts.log(`storm: ${subscriptions.length} subscriptions on ${clocks.length} test clocks, their tenants provisioned in D1`);
    return { subscriptions, clocks };
  } finally {
    await control.setMode("deliver");
  }
}

const periodEnd = (sub: Stripe.Subscription) => sub.items.data[0]!.current_period_end;

/** Renews every subscription on the clocks with deliveries held, and takes the held events (emission order). */
async function renewalEvents(
  opts: StormOptions,
  tag: string,
  subscriptions: Stripe.Subscription[],
  clocks: string[],
): Promise<StormEvent[]> {
  const stripe = stripeClient(opts.stripeUrl, opts.stripeKey);
  const control = emulatorControl(opts.stripeUrl);
  const ours = new Set(subscriptions.map((s) => (typeof s.customer === "string" ? s.customer : s.customer.id)));
  // Past the period end and the draft invoice's hour: renewed, finalized, paid.
  const target = Math.max(...subscriptions.map(periodEnd)) + 2 * HOUR;
  await control.setMode("hold");
  try {
    await inPool(clocks, 2, (clock) => stripe.testHelpers.testClocks.advance(clock, { frozen_time: target }));
  } finally {
    await control.setMode("deliver");
  }
  const held = (await control.deliveries({ status: "held" })).filter((d) => d.customer !== null && ours.has(d.customer));
  const events = await inPool(held, 8, async (d) => {
    const { payload } = await control.signEvent(d.event_id);
    const event = JSON.parse(payload) as { id: string; type: string; created: number };
    const id = `${STORM_EVENT_PREFIX}_${tag}_${event.id.replace(/^evt_/, "")}`;
    return { id, type: event.type, created: event.created, payload: JSON.stringify({ ...event, id }) };
  });
  // A month-start as Stripe sends it: by time (all renewals, then all payments an hour later), emission order within a second.
  return events
    .map((e, seq) => ({ ...e, seq }))
    .sort((a, b) => a.created - b.created || a.seq - b.seq)
    .map(({ id, type, payload }) => ({ id, type, payload }));
}

type Inbox = { byStatus: Record<string, number>; rows: number; retried: number };
type Effects = {
  audits: { action: string; targetId: string | null; rows: number }[];
  subscriptions: {
    tenantId: string;
    stripeSubscriptionId: string;
    status: string;
    currentPeriodEnd: number | null;
    entitlementValidUntil: number | null;
  }[];
};

export async function renewalStorm(opts: StormOptions): Promise<StormResult> {
  const tag = Date.now().toString(36);
  const eventPrefix = `${STORM_EVENT_PREFIX}_${tag}_`;
  const tenantPrefix = `${STORM_TENANT_PREFIX}_${tag}_`;
  const setupStarted = performance.now();
  const since = () => `${((performance.now() - setupStarted) / 1000).toFixed(0)} s`;
  opts.log(`storm: making ${opts.tenants} tenants (emulator API + the bench entry's seed route)`);
  const { subscriptions, clocks } = await makeTenants(opts, tag);
  opts.log(`storm: ${since()}: renewing them (test clocks, deliveries held)`);
  const events = await renewalEvents(opts, tag, subscriptions, clocks);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const typeCounts: Record<string, number> = {};
  for (const e of events) typeCounts[e.type] = (typeCounts[e.type] ?? 0) + 1;
  opts.log(`storm: ${events.length} renewal events ${JSON.stringify(typeCounts)} (setup ${setupSeconds.toFixed(0)} s); sending`);

  // Each event once, in order, across all connections; signed at the moment it is sent.
  const perType: Record<string, PerType> = {};
  let next = 0;
  const requests: RequestSpec[] = [
    {
      method: "POST",
      path: "/api/stripe/webhook",
      setupRequest: (request, context) => {
        // autocannon may ask once more than `amount` per connection: a repeat of the last event shows as "duplicate".
        const event = events[Math.min(next++, events.length - 1)]!;
        context.type = event.type;
        context.bytes = event.payload.length;
        context.started = performance.now();
        const header = Stripe.webhooks.generateTestHeaderString({ payload: event.payload, secret: opts.webhookSecret });
        return { ...request, headers: { "Content-Type": "application/json", "Stripe-Signature": header }, body: event.payload };
      },
      onResponse: (status, body, context, headers) => {
        const type = String(context.type);
        const t = (perType[type] ??= { events: 0, d1Statements: 0, ms: 0, bytes: 0, outcomes: {} });
        t.events += 1;
        t.bytes += Number(context.bytes);
        t.ms += performance.now() - Number(context.started);
        const queries = Object.entries(headers).find(([name]) => name.toLowerCase() === D1_QUERIES_HEADER.toLowerCase());
        t.d1Statements += Number(queries?.[1] ?? 0);
        let outcome = `http_${status}`;
        if (status >= 200 && status < 300) {
          try {
            outcome = String((JSON.parse(body) as { outcome?: string }).outcome);
          } catch {
            outcome = "unreadable";
          }
        }
        t.outcomes[outcome] = (t.outcomes[outcome] ?? 0) + 1;
      },
    },
  ];
  const sendStarted = performance.now();
  const sent = await load({
    url: opts.appUrl,
    connections: opts.connections,
    duration: opts.maxSeconds,
    amount: events.length,
    requests,
  });
  const sendMs = performance.now() - sendStarted;
  const accepted = Object.entries(sent.statusCodes)
    .filter(([code]) => code.startsWith("2"))
    .reduce((n, [, c]) => n + c, 0);

  // The drain: until every accepted event's inbox row says processed or ignored, bounded. (Events the
  // send bound left unsent never arrive; they are counted apart.)
  const inboxUrl = `${opts.appUrl}${BENCH_STORM_INBOX_PATH}?events=${eventPrefix}`;
  const drainBound = opts.maxSeconds * 1000;
  const drainDeadline = performance.now() + drainBound;
  let inbox: Inbox;
  let drainMs: number | null = null;
  for (;;) {
    inbox = await getJson<Inbox>(inboxUrl);
    const done = (inbox.byStatus.processed ?? 0) + (inbox.byStatus.ignored ?? 0);
    if (done >= accepted) {
      drainMs = performance.now() - sendStarted;
      break;
    }
    if (performance.now() > drainDeadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const effects = await getJson<Effects>(`${opts.appUrl}${BENCH_STORM_EFFECTS_PATH}?events=${eventPrefix}&tenants=${tenantPrefix}`);

  // Lost: an accepted event with no finished inbox row. Twice: an event answered as a duplicate (each is sent
  // once), or an audit row the storm's events wrote twice for the same target and action. (The inbox
  // row itself cannot be doubled: the event id is its primary key.) Retried: an inbox row run more than once.
  const done = (inbox.byStatus.processed ?? 0) + (inbox.byStatus.ignored ?? 0);
  const lost = Math.max(0, accepted - done);
  const unsent = events.length - sent.requests;
  const duplicates = Object.values(perType).reduce((n, t) => n + (t.outcomes.duplicate ?? 0), 0);
  const auditedTwice = effects.audits.filter((a) => a.rows > 1).length;
  const twice = duplicates + auditedTwice;
  const auditsByAction: Record<string, number> = {};
  for (const a of effects.audits) auditsByAction[a.action] = (auditsByAction[a.action] ?? 0) + a.rows;
  // Renewed: D1 has the new period (the one Stripe's customer.subscription.updated names), later than the one seeded.
  const seededEnd = new Map(subscriptions.map((s) => [s.id, periodEnd(s) * 1000]));
  const newPeriodEnds = new Map<string, number>();
  for (const e of events) {
    if (e.type !== "customer.subscription.updated") continue;
    const object = (JSON.parse(e.payload) as { data: { object: Stripe.Subscription } }).data.object;
    newPeriodEnds.set(object.id, periodEnd(object) * 1000);
  }
  const renewed = effects.subscriptions.filter(
    (s) =>
      s.currentPeriodEnd !== null &&
      s.currentPeriodEnd === newPeriodEnds.get(s.stripeSubscriptionId) &&
      s.currentPeriodEnd > (seededEnd.get(s.stripeSubscriptionId) ?? Infinity),
  ).length;
  const non2xx = sent.non2xx;
  const ok =
    unsent === 0 &&
    accepted === events.length &&
    lost === 0 &&
    twice === 0 &&
    non2xx === 0 &&
    sent.errors === 0 &&
    renewed === subscriptions.length;

  const acceptedPerSecond = accepted / (sendMs / 1000);
  const drained = drainMs === null ? `not drained in ${(drainBound / 1000).toFixed(0)} s` : `${(drainMs / 1000).toFixed(1)} s`;
  const processedPerSecond = drainMs === null ? NaN : done / (drainMs / 1000);
  const statements = Object.entries(perType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, t]) => `${type} ${(t.d1Statements / t.events).toFixed(1)} (${fmt.ms(t.ms / t.events)} ms, ${fmt.kib(t.bytes / t.events)})`)
    .join(", ");
  const outcomes: Record<string, number> = {};
  for (const t of Object.values(perType)) for (const [o, n] of Object.entries(t.outcomes)) outcomes[o] = (outcomes[o] ?? 0) + n;
  const d1Range = Object.values(perType).map((t) => t.d1Statements / t.events);
  opts.log(`storm: ${JSON.stringify({ inbox, perType, renewed, auditsByAction })}`);
  return {
    row: [
      `Renewal storm: ${subscriptions.length} tenants renew at once, ${events.length} signed events`,
      `${fmt.rps(acceptedPerSecond)} events/s`,
      fmt.ms(sent.p50),
      fmt.ms(sent.p99),
      opts.bareRps ? fmt.pct((sent.rps / opts.bareRps) * 100) : "–",
      d1Range.length ? `${Math.min(...d1Range).toFixed(0)}–${Math.max(...d1Range).toFixed(0)} (by type, see note)` : "–",
      "–",
      `${non2xx} / ${sent.errors}`,
      "0 lost, 0 twice, 0 non-2xx",
      `${verdict(ok)} (${lost} lost, ${twice} twice${unsent > 0 ? `, ${unsent} unsent in ${opts.maxSeconds} s` : ""}; drained in ${drained})`,
    ],
    note:
      ` Renewal storm: ${subscriptions.length} Organization subscriptions (${SEATS} seats each) created through the emulator's API on test clocks and provisioned in D1 by the bench entry's seed route with the app's own provisioning statements (no Checkout each, which would take minutes for thousands), then renewed at once by advancing the clocks with deliveries held:` +
      ` ${events.length} events ${JSON.stringify(typeCounts)}, sent by time (all renewals, then all payments) with a storm id prefix, each signed as sent, ${opts.connections} connections, bounded by count and ${opts.maxSeconds} s (setup ${setupSeconds.toFixed(0)} s, not measured).` +
      ` Sent ${sent.requests} in ${(sendMs / 1000).toFixed(1)} s, ${accepted} answered 2xx, outcomes ${JSON.stringify(outcomes)}; drain (first send until every accepted event's inbox row is processed or ignored, polled through the bench entry) ${drained}, ${fmt.rps(processedPerSecond)} events/s processed.` +
      ` Inbox ${JSON.stringify(inbox.byStatus)}, ${inbox.retried} rows run more than once; audit rows the storm wrote ${JSON.stringify(auditsByAction)}, ${auditedTwice} targets twice; subscriptions on their new period in D1 ${renewed}/${subscriptions.length}.` +
      ` D1 statements per event at the webhook (X-D1-Queries), mean response time and payload size, by type: ${statements}.`,
    ok,
    tenants: subscriptions.length,
    events: events.length,
    accepted,
    acceptedPerSecond,
    sendMs,
    drainMs,
    lost,
    twice,
    non2xx,
    errors: sent.errors,
    perType,
    load: sent,
  };
}
