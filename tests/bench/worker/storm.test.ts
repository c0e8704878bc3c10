import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, json, sendRequestsTo, signedInAgent } from "../../factories/http";
import { BENCH_STORM_EFFECTS_PATH, BENCH_STORM_INBOX_PATH, BENCH_STORM_SEED_PATH, D1_QUERIES_HEADER } from "../hooks";
import entry from "./entry";

sendRequestsTo(entry);

// The renewal storm's routes in the bench entry (tests/bench/storm.ts drives them in `npm run bench`).
const DAY = 86_400;
// The catalog's Organization price, as Stripe knows it once a Checkout has sold it.
const STRIPE_PRICE = "price_stormtest_org";
const priced = () =>
  env.DB.prepare("UPDATE product_prices SET stripe_price_id = ? WHERE id = 'prc_organization_pro_monthly'").bind(STRIPE_PRICE).run();
let n = 0;
const subscription = (start: number) => {
  const i = ++n;
  return {
    id: `sub_stormtest${i}`,
    object: "subscription",
    customer: `cus_stormtest${i}`,
    status: "active",
    cancel_at_period_end: false,
    trial_end: null,
    canceled_at: null,
    ended_at: null,
    metadata: {},
    items: {
      data: [
        {
          id: `si_stormtest${i}`,
          quantity: 5,
          price: { id: STRIPE_PRICE },
          current_period_start: start,
          current_period_end: start + 30 * DAY,
        },
      ],
    },
  };
};

async function inboxRow(eventId: string, status: "processed" | "ignored" | "failed", attempts = 1) {
  await env.DB.prepare(
    "INSERT INTO processed_webhook_events (event_id, type, status, stripe_created, attempts, received_at) VALUES (?, 'invoice.paid', ?, 1, ?, 1)",
  )
    .bind(eventId, status, attempts)
    .run();
}

test("the seed route provisions storm tenants with the app's provisioning statements and refuses anything else", async () => {
  await priced();
  const { user } = await signedInAgent();
  const start = Math.floor(Date.now() / 1000);
  const subs = [subscription(start), subscription(start)];
  const res = await agent().fetch(
    BENCH_STORM_SEED_PATH,
    json({
      ownerUserId: user.id,
      tenants: subs.map((s, i) => ({ id: `ten_storm_t1_${i}`, name: `Storm ${i}`, slug: `storm-t1-${i}`, subscription: s })),
    }),
  );
  expect(res.status).toBe(200);
  expect(Number(res.headers.get(D1_QUERIES_HEADER))).toBeGreaterThan(0);
  const rows = await env.DB.prepare(
    `SELECT t.id, t.stripe_customer_id AS customer, s.stripe_subscription_id AS sub, s.current_period_end AS periodEnd, e.status, e.quantity_seats AS seats,
            (SELECT count(*) FROM tenant_entitlement_seat_assignments a WHERE a.entitlement_id = e.id AND a.user_id = ?) AS ownerSeats,
            (SELECT count(*) FROM tenant_memberships m WHERE m.tenant_id = t.id AND m.user_id = ? AND m.role = 'owner') AS owners,
            (SELECT p.state || ' ' || p.stripe_subscription_id FROM purchase_intents p WHERE p.provisioned_tenant_id = t.id) AS intent
       FROM tenants t JOIN subscriptions s ON s.tenant_id = t.id JOIN tenant_product_entitlements e ON e.id = 'ent_' || s.stripe_subscription_id
      WHERE t.id LIKE 'ten_storm_t1_%' ORDER BY t.id`,
  )
    .bind(user.id, user.id)
    .all();
  expect(rows.results).toEqual(
    subs.map((s, i) => ({
      id: `ten_storm_t1_${i}`,
      customer: s.customer,
      sub: s.id,
      periodEnd: (start + 30 * DAY) * 1000,
      status: "active",
      seats: 5,
      ownerSeats: 1,
      owners: 1,
      intent: `provisioned ${s.id}`,
    })),
  );

  // A tenant id outside the storm's prefix, or no subscription: 400, nothing written.
  const before = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>();
  const bad = [
    { ownerUserId: user.id, tenants: [{ id: "ten_other", name: "x", slug: "x", subscription: subscription(start) }] },
    { ownerUserId: user.id, tenants: [{ id: "ten_storm_t1_9", name: "x", slug: "x" }] },
    { ownerUserId: user.id, tenants: [] },
    // A price the catalog does not sell.
    {
      ownerUserId: user.id,
      tenants: [{ id: "ten_storm_t1_9", name: "x", slug: "x", subscription: { ...subscription(start), items: { data: [] } } }],
    },
  ];
  for (const body of bad) expect((await agent().fetch(BENCH_STORM_SEED_PATH, json(body))).status).toBe(400);
  expect(await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>()).toEqual(before);
  // A subscription the app cannot read among good ones: 400, none of them written.
  const mixed = await agent().fetch(
    BENCH_STORM_SEED_PATH,
    json({
      ownerUserId: user.id,
      tenants: [
        { id: "ten_storm_t1_7", name: "ok", slug: "storm-t1-7", subscription: subscription(start) },
        { id: "ten_storm_t1_8", name: "bad", slug: "storm-t1-8", subscription: { ...subscription(start), status: "nonsense" } },
      ],
    }),
  );
  expect(mixed.status).toBe(400);
  expect(await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>()).toEqual(before);
});

test("the inbox route counts only the storm prefix's rows, by status, with the rows run more than once", async () => {
  await inboxRow("evt_storm_a_1", "processed");
  await inboxRow("evt_storm_a_2", "ignored");
  await inboxRow("evt_storm_a_3", "ignored", 2);
  await inboxRow("evt_storm_a_4", "failed", 3);
  await inboxRow("evt_storm_b_1", "processed");
  await inboxRow("evt_other_1", "processed");
  const res = await agent().fetch(`${BENCH_STORM_INBOX_PATH}?events=evt_storm_a_`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ byStatus: { processed: 1, ignored: 2, failed: 1 }, rows: 4, retried: 2 });
  expect(await (await agent().fetch(`${BENCH_STORM_INBOX_PATH}?events=evt_storm_zz_`)).json()).toEqual({
    byStatus: {},
    rows: 0,
    retried: 0,
  });
  // Only the storm's own ids, and no LIKE wildcards.
  for (const events of ["evt_other", "evt_storm%", "", "evt_storm_a_'"]) {
    expect((await agent().fetch(`${BENCH_STORM_INBOX_PATH}?events=${encodeURIComponent(events)}`)).status).toBe(400);
  }
});

test("the effects route returns the audit rows the storm's events wrote, per target, and the storm tenants' subscriptions", async () => {
  await priced();
  const { user } = await signedInAgent();
  const start = Math.floor(Date.now() / 1000);
  const sub = subscription(start);
  await agent().fetch(
    BENCH_STORM_SEED_PATH,
    json({ ownerUserId: user.id, tenants: [{ id: "ten_storm_e1_0", name: "E", slug: "storm-e1-0", subscription: sub }] }),
  );
  const audit = (actor: string, target: string) =>
    env.DB.prepare(
      "INSERT INTO audit_log (at, actor_type, actor_id, action, tenant_id, target_type, target_id) VALUES (1, 'stripe_event', ?, 'entitlement.updated', 'ten_storm_e1_0', 'entitlement', ?)",
    )
      .bind(actor, target)
      .run();
  await audit("evt_storm_e1_1", `ent_${sub.id}`);
  await audit("evt_storm_e1_2", `ent_${sub.id}`);
  await audit("evt_storm_e1_3", "ent_other");
  await audit("evt_storm_e2_1", `ent_${sub.id}`);
  const res = await agent().fetch(`${BENCH_STORM_EFFECTS_PATH}?events=evt_storm_e1_&tenants=ten_storm_e1_`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { audits: { action: string; targetId: string; rows: number }[]; subscriptions: unknown[] };
  expect(body.audits.sort((a, b) => a.targetId.localeCompare(b.targetId))).toEqual([
    { action: "entitlement.updated", targetId: "ent_other", rows: 1 },
    { action: "entitlement.updated", targetId: `ent_${sub.id}`, rows: 2 },
  ]);
  expect(body.subscriptions).toEqual([
    {
      tenantId: "ten_storm_e1_0",
      stripeSubscriptionId: sub.id,
      status: "active",
      currentPeriodEnd: (start + 30 * DAY) * 1000,
      // An active subscription that renews: access has no end date.
      entitlementValidUntil: null,
    },
  ]);
  expect((await agent().fetch(`${BENCH_STORM_EFFECTS_PATH}?events=evt_storm_e1_&tenants=ten_other`)).status).toBe(400);
});
