import { env } from "cloudflare:test";
import fc from "fast-check";
import Stripe from "stripe";
import { emulatorControl } from "../stripe-emulator/control";
import { type Agent, BASE, callWorker, json } from "./http";
import { actsOn } from "../../app/domain/billing/events.server";

// Billing test helpers. Inside workerd the app cannot receive HTTP, so the emulator keeps its
// webhook deliveries pending and tests pull each event (signed by the emulator) and POST it to
// the app themselves: the same bytes and signature Stripe would send.

export const STRIPE_URL = env.STRIPE_API_BASE;
export const control = emulatorControl(STRIPE_URL);

/** The official SDK against the emulator, for what a test does "in Stripe" (refunds, cancels...). */
export function stripe(): Stripe {
  const url = new URL(STRIPE_URL);
  return new Stripe(env.STRIPE_SECRET_KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
  });
}

export const PRICE = {
  pro: "prc_organization_pro_monthly",
  max: "prc_organization_max_monthly",
  accelerator: "prc_accelerator_lifetime",
} as const;

export async function startCheckout(a: Agent, body: Record<string, unknown>) {
  const res = await a.fetch("/api/billing/create-checkout-session", json(body));
  if (res.status !== 200) throw new Error(`checkout failed: ${res.status} ${await res.text()}`);
  const out = (await res.json()) as { url: string; intentId: string };
  const intent = await env.DB.prepare("SELECT stripe_customer_id, stripe_checkout_session_id FROM purchase_intents WHERE id = ?")
    .bind(out.intentId)
    .first<{ stripe_customer_id: string; stripe_checkout_session_id: string }>();
  return { ...out, customerId: intent!.stripe_customer_id, sessionId: intent!.stripe_checkout_session_id };
}

/** Event ids the emulator emitted for a customer, oldest first, optionally only those after `since`. */
export async function eventsFor(customerId: string, since: string[] = []): Promise<{ id: string; type: string }[]> {
  const deliveries = await control.deliveries({ customer: customerId });
  return deliveries.filter((d) => !since.includes(d.event_id)).map((d) => ({ id: d.event_id, type: d.type }));
}

const signed = new Map<string, { at: number; signature: Promise<{ payload: string; header: string }> }>();
// Signatures are valid for 300 s at the app; re-sign well before that.
const SIGNATURE_REUSE_MS = 240_000;

/**
 * Delivers one event to the app's webhook exactly as Stripe would (signed by the emulator), into
 * the Worker's own fetch handler: the permutation tests make thousands of deliveries, and through
 * SELF each took from ~40 ms to ~250 ms as the file went on (see callWorker).
 */
export async function deliver(eventId: string): Promise<Response> {
  const cached = signed.get(eventId);
  if (!cached || Date.now() - cached.at > SIGNATURE_REUSE_MS)
    signed.set(eventId, { at: Date.now(), signature: control.signEvent(eventId) });
  const { payload, header } = await signed.get(eventId)!.signature;
  const request = new Request(`${BASE}/api/stripe/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": header },
    body: payload,
  });
  return callWorker(request);
}

export async function deliverAll(eventIds: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const id of eventIds) statuses.push((await deliver(id)).status);
  return statuses;
}

const q = <T extends Record<string, unknown> = Record<string, unknown>>(sql: string, ...binds: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...binds)
    .all<T>()
    .then((r) => r.results);

/** Everything a tenant's access depends on, without ids and times that differ between runs. */
export async function tenantState(tenantId: string) {
  return {
    tenant: await q("SELECT name, slug, stripe_customer_id FROM tenants WHERE id = ?", tenantId),
    memberships: await q("SELECT user_id, role, status FROM tenant_memberships WHERE tenant_id = ? ORDER BY user_id", tenantId),
    subscriptions: await q(
      "SELECT stripe_subscription_id, status, quantity, cancel_at_period_end, trial_end, current_period_end FROM subscriptions WHERE tenant_id = ? ORDER BY stripe_subscription_id",
      tenantId,
    ),
    entitlements: await q(
      "SELECT id, product_id, status, quantity_seats, source, source_ref, tier, valid_until IS NOT NULL AS has_end, grace_until FROM tenant_product_entitlements WHERE tenant_id = ? ORDER BY id",
      tenantId,
    ),
    seats: await q(
      "SELECT entitlement_id, user_id FROM tenant_entitlement_seat_assignments WHERE tenant_id = ? AND released_at IS NULL ORDER BY entitlement_id, user_id",
      tenantId,
    ),
  };
}

export async function intentRow(intentId: string) {
  return env.DB.prepare("SELECT * FROM purchase_intents WHERE id = ?").bind(intentId).first<Record<string, unknown>>();
}

/**
 * Puts the app's side of one purchase back to "checkout open": the permutation tests replay the
 * same Stripe events in another order against the same starting point. (Audit rows are
 * append-only by design and stay; they are not part of the compared state.)
 */
export async function rewindPurchase(opts: { intentId: string; tenantId: string; userId: string; customerId: string; eventIds: string[] }) {
  const marks = opts.eventIds.map(() => "?").join(",");
  await env.DB.batch([
    env.DB.prepare(`DELETE FROM processed_webhook_events WHERE event_id IN (${marks})`).bind(...opts.eventIds),
    env.DB.prepare("DELETE FROM tenant_entitlement_seat_assignments WHERE tenant_id = ?").bind(opts.tenantId),
    env.DB.prepare("DELETE FROM tenant_product_entitlements WHERE tenant_id = ?").bind(opts.tenantId),
    env.DB.prepare("DELETE FROM subscriptions WHERE tenant_id = ?").bind(opts.tenantId),
    env.DB.prepare("DELETE FROM tenant_memberships WHERE tenant_id = ?").bind(opts.tenantId),
    env.DB.prepare("DELETE FROM analytics_events WHERE tenant_id = ?").bind(opts.tenantId),
    env.DB.prepare(
      "UPDATE purchase_intents SET state = 'checkout_open', provisioned_tenant_id = NULL, stripe_subscription_id = NULL, stripe_payment_intent_id = NULL, last_event_id = NULL WHERE id = ?",
    ).bind(opts.intentId),
    env.DB.prepare("DELETE FROM tenants WHERE id = ?").bind(opts.tenantId),
    env.DB.prepare("UPDATE users SET stripe_customer_id = ? WHERE id = ?").bind(opts.customerId, opts.userId),
  ]);
}

/** The events a flow's handlers act on (the rest are recorded as ignored and change nothing): the app's own list. */
export const isActedOn = actsOn;

/** The rows a subscription event can change, saved so a test can put them back exactly. */
async function snapshotSubscriptionRows(tenantId: string) {
  const rows = async (table: string) => (await env.DB.prepare(`SELECT * FROM ${table} WHERE tenant_id = ?`).bind(tenantId).all()).results;
  return { subscriptions: await rows("subscriptions"), tenant_product_entitlements: await rows("tenant_product_entitlements") };
}

async function restoreSubscriptionRows(tenantId: string, saved: Awaited<ReturnType<typeof snapshotSubscriptionRows>>, eventIds: string[]) {
  const statements: D1PreparedStatement[] = [
    env.DB.prepare(`DELETE FROM processed_webhook_events WHERE event_id IN (${eventIds.map(() => "?").join(",")})`).bind(...eventIds),
  ];
  for (const [table, rows] of Object.entries(saved)) {
    for (const row of rows) {
      const cols = Object.keys(row).filter((c) => c !== "id");
      statements.push(
        env.DB.prepare(`UPDATE ${table} SET ${cols.map((c) => `"${c}" = ?`).join(", ")} WHERE id = ?`).bind(
          ...cols.map((c) => row[c] ?? null),
          row.id,
        ),
      );
    }
  }
  await env.DB.batch(statements);
}

/**
 * Replays a finished flow's events in every order, then each three times at once, from the same
 * starting point, and checks that D1 always ends in `reference` (the in-order state). Without a
 * `prefix` the start is the open checkout; with one (e.g. the purchase before a cancellation) the
 * prefix is delivered once, in order, and the subscription rows it produced are restored before
 * every order, so only the flow's own events are permuted.
 */
export async function expectOrderIndependent(flow: {
  intentId: string;
  tenantId: string;
  userId: string;
  customerId: string;
  events: { id: string; type: string }[];
  prefix?: { id: string; type: string }[];
  reference: Awaited<ReturnType<typeof tenantState>>;
}): Promise<number> {
  const acted = flow.events.filter((e) => isActedOn(e.type)).map((e) => e.id);
  const prefix = (flow.prefix ?? []).filter((e) => isActedOn(e.type)).map((e) => e.id);
  const fullRewind = () =>
    rewindPurchase({
      intentId: flow.intentId,
      tenantId: flow.tenantId,
      userId: flow.userId,
      customerId: flow.customerId,
      eventIds: [...prefix, ...acted],
    });
  let rewind = fullRewind;
  if (prefix.length > 0) {
    await fullRewind();
    await deliverAll(prefix);
    const saved = await snapshotSubscriptionRows(flow.tenantId);
    rewind = () => restoreSubscriptionRows(flow.tenantId, saved, acted);
  }
  const orders = await forDeliveryOrders(acted, async (order) => {
    await rewind();
    const statuses = await deliverAll(order);
    if (!statuses.every((s) => s === 200)) throw new Error(`order ${order.join(" ")} answered ${statuses.join(",")}`);
    const state = await tenantState(flow.tenantId);
    if (JSON.stringify(state) !== JSON.stringify(flow.reference)) {
      throw new Error(`order ${order.join(" ")} ended in ${JSON.stringify(state)}, not ${JSON.stringify(flow.reference)}`);
    }
  });
  await rewind();
  for (const id of acted) {
    const results = await Promise.all([deliver(id), deliver(id), deliver(id)]);
    if (!results.every((r) => r.status === 200))
      throw new Error(`concurrent duplicates of ${id} answered ${results.map((r) => r.status).join(",")}`);
  }
  if (JSON.stringify(await tenantState(flow.tenantId)) !== JSON.stringify(flow.reference))
    throw new Error("concurrent duplicates changed the state");
  return orders;
}

/** Up to this many events every order is replayed (4! = 24); beyond it, the orders below. */
const ALL_ORDERS_UP_TO = 4;
/** Random orders on top of the chosen ones, for 5 or more events (6 events have 720 orders). */
const SAMPLED_ORDERS = 40;

/** The orders that matter most: as sent, reversed, and each event first and last (the rest as sent). */
export function chosenOrders<T>(items: T[]): T[][] {
  const rest = (i: number) => [...items.slice(0, i), ...items.slice(i + 1)];
  return [
    items,
    [...items].reverse(),
    ...items.flatMap((item, i) => [
      [item, ...rest(i)],
      [...rest(i), item],
    ]),
  ];
}

/**
 * Runs `check` for delivery orders of `items`: all of them for a few events; for more, the chosen
 * orders and then a seeded property-based sample (fast-check). A failure names the order, and
 * fast-check's message names the seed: GATEHOUSE_ORDER_SEED=<seed> replays the same sample.
 * Returns how many orders ran.
 */
export async function forDeliveryOrders<T>(items: T[], check: (order: T[]) => Promise<void>): Promise<number> {
  if (items.length <= ALL_ORDERS_UP_TO) {
    const all = permutations(items);
    for (const order of all) await check(order);
    return all.length;
  }
  let runs = 0;
  const seed = env.GATEHOUSE_ORDER_SEED ? Number(env.GATEHOUSE_ORDER_SEED) : Date.now() % 2 ** 31;
  const chosen = chosenOrders(items);
  await fc.assert(
    fc.asyncProperty(fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }), async (order) => {
      runs++;
      await check(order);
    }),
    // The chosen orders run first; shrinking would replay hundreds more orders to say little more.
    { seed, numRuns: chosen.length + SAMPLED_ORDERS, examples: chosen.map((o) => [o] as [T[]]), endOnFailure: true },
  );
  return runs;
}

export function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
