import { env } from "cloudflare:test";
import Stripe from "stripe";
import { expect, test } from "vitest";
import {
  control,
  expectOrderIndependent,
  deliver,
  deliverAll,
  eventsFor,
  forDeliveryOrders,
  intentRow,
  PRICE,
  rewindPurchase,
  startCheckout,
  stripe,
  tenantState,
} from "../factories/billing";
import { agent, BASE, callWorker, json, signedInAgent, countRows as count } from "../factories/http";
import { lastQueueRun, redeliver } from "../factories/queue";

async function buyOrganization(seats = 5) {
  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: seats, organizationName: "Acme Robotics" });
  return { ...buyer, ...checkout };
}

async function payAndDeliver(url: string, customerId: string) {
  const paid = await control.pay(url, "pay");
  expect(paid.status).toBe(303);
  const events = await eventsFor(customerId);
  const statuses = await deliverAll(events.map((e) => e.id));
  expect(statuses.every((s) => s === 200)).toBe(true);
  return events;
}

const tenantOf = async (intentId: string) => (await intentRow(intentId))!.provisioned_tenant_id as string;

test("nothing but the intent exists before Stripe confirms payment, whatever the buyer does", async () => {
  const before = { tenants: await count("tenants"), entitlements: await count("tenant_product_entitlements") };
  const { agent: a, intentId, url, customerId, sessionId } = await buyOrganization();
  expect((await intentRow(intentId))!.state).toBe("checkout_open");
  expect(url).toContain(sessionId);

  // Coming back early, reloading, or forging the session id changes nothing.
  for (const sid of [sessionId, "cs_test_forged"]) {
    const page = await a.fetch(`/checkout/return?intent=${intentId}&session_id=${sid}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Processing payment");
  }
  // The events emitted so far (customer.created) do not provision either.
  await deliverAll((await eventsFor(customerId)).map((e) => e.id));
  // A forged webhook is refused.
  const forged = await a.fetch("/api/stripe/webhook", {
    ...json({ id: "evt_forged", type: "checkout.session.completed", data: { object: { id: sessionId } } }),
    headers: { "Content-Type": "application/json", "Stripe-Signature": "t=1,v1=deadbeef" },
  });
  expect(forged.status).toBe(400);

  expect(await count("tenants")).toBe(before.tenants);
  expect(await count("tenant_product_entitlements")).toBe(before.entitlements);
  expect(await count("tenant_memberships", "user_id = (SELECT user_id FROM purchase_intents WHERE id = ?)", intentId)).toBe(0);
  expect(await count("subscriptions", "stripe_customer_id = ?", customerId)).toBe(0);
});

test("new buyer, Organization: paying provisions tenant, owner, subscription, entitlement and seat in one go", async () => {
  const { agent: a, user, intentId, url, customerId } = await buyOrganization(5);
  const events = await payAndDeliver(url, customerId);
  expect(events.map((e) => e.type)).toContain("checkout.session.completed");

  const intent = await intentRow(intentId);
  expect(intent!.state).toBe("provisioned");
  const tenantId = intent!.provisioned_tenant_id as string;
  const state = await tenantState(tenantId);
  expect(state.tenant).toEqual([{ name: "Acme Robotics", slug: expect.stringMatching(/^acme-robotics/), stripe_customer_id: customerId }]);
  expect(state.memberships).toEqual([{ user_id: user.id, role: "owner", status: "active" }]);
  expect(state.subscriptions).toEqual([expect.objectContaining({ status: "active", quantity: 5, cancel_at_period_end: 0 })]);
  expect(state.entitlements).toEqual([
    expect.objectContaining({
      product_id: "prd_organization",
      status: "active",
      quantity_seats: 5,
      source: "stripe_subscription",
      tier: "PRO",
    }),
  ]);
  expect(state.seats).toEqual([{ entitlement_id: state.entitlements[0]!.id, user_id: user.id }]);

  const audit = await env.DB.prepare("SELECT action, actor_type, actor_id FROM audit_log WHERE tenant_id = ? ORDER BY id")
    .bind(tenantId)
    .all();
  const actions = audit.results.map((r) => r.action);
  expect(actions).toEqual(
    expect.arrayContaining(["tenant.created", "membership.created", "entitlement.granted", "seat.assigned", "purchase.provisioned"]),
  );
  expect(audit.results.every((r) => r.actor_type === "stripe_event" && String(r.actor_id).startsWith("evt_"))).toBe(true);

  const poll = await a.fetch(`/api/purchase-intents/${intentId}`);
  expect(await poll.json()).toMatchObject({ intent: { state: "provisioned", tenant: { name: "Acme Robotics" } } });
  const dashboard = await (await a.fetch("/dashboard")).text();
  expect(dashboard).toContain("Acme Robotics");
  expect(dashboard).toContain("1 / 5");
  expect(await count("analytics_events", "name = 'checkout_success' AND tenant_id = ?", tenantId)).toBe(1);
});

test("the purchase intent answers only its buyer", async () => {
  const { intentId } = await buyOrganization();
  const other = await signedInAgent();
  expect((await other.agent.fetch(`/api/purchase-intents/${intentId}`)).status).toBe(404);
  expect((await other.agent.fetch(`/checkout/return?intent=${intentId}`)).status).toBe(404);
  expect((await agent().fetch(`/api/purchase-intents/${intentId}`)).status).toBe(401);
  expect((await other.agent.fetch("/api/purchase-intents/int_nonsense")).status).toBe(404);
});

test("new buyer, Accelerator: lifetime access plus a 30-day Organization trial with the owner seated", async () => {
  const buyer = await signedInAgent();
  const { intentId, url, customerId } = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: "Solo Studio" });
  await payAndDeliver(url, customerId);
  const tenantId = await tenantOf(intentId);
  // The trial subscription was created while provisioning; its own events arrive afterwards.
  await deliverAll((await eventsFor(customerId)).map((e) => e.id));
  const state = await tenantState(tenantId);
  const acc = state.entitlements.find((e) => e.product_id === "prd_accelerator");
  const org = state.entitlements.find((e) => e.product_id === "prd_organization");
  expect(acc).toMatchObject({ status: "active", source: "stripe_payment", has_end: 0 });
  expect(org).toMatchObject({ status: "trialing", source: "trial", quantity_seats: 1 });
  expect(state.subscriptions).toEqual([expect.objectContaining({ status: "trialing", quantity: 1 })]);
  const trialEnd = state.subscriptions[0]!.trial_end as number;
  expect(Math.round((trialEnd - Date.now()) / 86_400_000)).toBe(30);
  expect(state.seats).toEqual([{ entitlement_id: org!.id, user_id: buyer.user.id }]);
  const subs = await stripe().subscriptions.list({ customer: customerId });
  expect(subs.data).toHaveLength(1);
  expect(subs.data[0]!.default_payment_method).toBeTruthy();
});

test("a price's trial is a row: its days and its price are what the buyer gets, and no row means no trial", async () => {
  // Other files share this D1: the seeded row is put back whatever happens.
  const seeded = (await env.DB.prepare("SELECT * FROM price_trials WHERE price_id = 'prc_accelerator_lifetime'").first())!;
  try {
    await env.DB.prepare("UPDATE price_trials SET days = 7, trial_price_id = 'prc_organization_max_monthly' WHERE id = ?")
      .bind(seeded.id)
      .run();
    const buyer = await signedInAgent();
    const first = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: "Week Trial" });
    await payAndDeliver(first.url, first.customerId);
    const [sub] = (await stripe().subscriptions.list({ customer: first.customerId })).data;
    expect(sub!.items.data[0]!.price.lookup_key).toBe("organization_max_monthly");
    expect(Math.round((sub!.trial_end! * 1000 - Date.now()) / 86_400_000)).toBe(7);

    await env.DB.prepare("DELETE FROM price_trials WHERE id = ?").bind(seeded.id).run();
    const other = await signedInAgent();
    const second = await startCheckout(other.agent, { priceId: PRICE.accelerator, organizationName: "No Trial" });
    await payAndDeliver(second.url, second.customerId);
    expect(await tenantOf(second.intentId)).toBeTruthy();
    expect((await stripe().subscriptions.list({ customer: second.customerId })).data).toHaveLength(0);
  } finally {
    await env.DB.prepare(
      "INSERT INTO price_trials (id, price_id, trial_price_id, days, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET trial_price_id = excluded.trial_price_id, days = excluded.days",
    )
      .bind(seeded.id, seeded.price_id, seeded.trial_price_id, seeded.days, seeded.created_at)
      .run();
  }
});

test("a duplicate Accelerator event never starts a second trial", async () => {
  const buyer = await signedInAgent();
  const { url, customerId } = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: "Twice Ltd" });
  await control.pay(url, "pay");
  const completed = (await eventsFor(customerId)).find((e) => e.type === "checkout.session.completed")!;
  const results = await Promise.all([deliver(completed.id), deliver(completed.id), deliver(completed.id)]);
  expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  expect((await stripe().subscriptions.list({ customer: customerId })).data).toHaveLength(1);
});

test("an existing tenant buying Accelerator gets it on the same tenant, without a second trial", async () => {
  const { agent: a, intentId, url, customerId } = await buyOrganization(3);
  await payAndDeliver(url, customerId);
  const tenantId = await tenantOf(intentId);
  const seen = (await eventsFor(customerId)).map((e) => e.id);

  const second = await startCheckout(a, { priceId: PRICE.accelerator, tenantId });
  expect(second.customerId).toBe(customerId);
  await control.pay(second.url, "pay");
  await deliverAll((await eventsFor(customerId, seen)).map((e) => e.id));
  expect(await tenantOf(second.intentId)).toBe(tenantId);
  const state = await tenantState(tenantId);
  expect(state.entitlements.map((e) => [e.product_id, e.status]).sort()).toEqual([
    ["prd_accelerator", "active"],
    ["prd_organization", "active"],
  ]);
  expect((await stripe().subscriptions.list({ customer: customerId })).data).toHaveLength(1);

  // Buying what the tenant already has is refused.
  const again = await a.fetch("/api/billing/create-checkout-session", json({ priceId: PRICE.pro, quantity: 2, tenantId }));
  expect(again.status).toBe(409);
});

test("checkout input is checked: price, tier range, organisation name, tenant role", async () => {
  const buyer = await signedInAgent();
  const intents = await count("purchase_intents");
  const cases: [Record<string, unknown> | string, number][] = [
    [{ priceId: "prc_nope", organizationName: "X Co" }, 422],
    [{ priceId: PRICE.pro, quantity: 21, organizationName: "X Co" }, 422],
    [{ priceId: PRICE.max, quantity: 5, organizationName: "X Co" }, 422],
    [{ priceId: PRICE.pro, quantity: -1, organizationName: "X Co" }, 422],
    [{ priceId: PRICE.pro, quantity: "many", organizationName: "X Co" }, 422],
    [{ priceId: PRICE.pro, quantity: 5 }, 422],
    [{ priceId: PRICE.accelerator, quantity: 2, organizationName: "X Co" }, 422],
    [{ priceId: PRICE.pro, quantity: 5, tenantId: "ten_someone_elses" }, 403],
    ["{not json", 400],
  ];
  for (const [body, status] of cases) {
    const res = await buyer.agent.fetch("/api/billing/create-checkout-session", json(body));
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(5);
  }
  expect((await agent().fetch("/api/billing/create-checkout-session", json({ priceId: PRICE.pro }))).status).toBe(401);
  expect(await count("purchase_intents")).toBe(intents);
});

test("a member who is not owner or admin cannot buy for the tenant", async () => {
  const { intentId, url, customerId } = await buyOrganization();
  await payAndDeliver(url, customerId);
  const tenantId = await tenantOf(intentId);
  const member = await signedInAgent();
  await env.DB.prepare(
    "INSERT INTO tenant_memberships (id, tenant_id, user_id, role, status, created_at, updated_at) VALUES (?, ?, ?, 'member', 'active', 0, 0)",
  )
    .bind(`mem_t_${Date.now()}`, tenantId, member.user.id)
    .run();
  const res = await member.agent.fetch("/api/billing/create-checkout-session", json({ priceId: PRICE.accelerator, tenantId }));
  expect(res.status).toBe(403);
});

test("concurrent checkout clicks by a new buyer share one Stripe customer", async () => {
  const buyer = await signedInAgent();
  const results = await Promise.all(
    [1, 2, 3].map(() => startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 2, organizationName: "Race Co" })),
  );
  expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
  const customers = await stripe().customers.list({ email: buyer.user.email });
  expect(customers.data).toHaveLength(1);
});

test("a declined card leaves the intent open and creates nothing; Cancel expires the session", async () => {
  const { agent: a, intentId, url, customerId } = await buyOrganization();
  const declined = await control.pay(url, "decline");
  expect(declined.status).toBe(402);
  await deliverAll((await eventsFor(customerId)).map((e) => e.id));
  expect((await intentRow(intentId))!.state).toBe("checkout_open");
  expect(await count("tenants", "stripe_customer_id = ?", customerId)).toBe(0);

  const cancel = await a.fetch(`/checkout/cancel?intent=${intentId}`);
  expect(cancel.status).toBe(200);
  expect((await intentRow(intentId))!.state).toBe("canceled");
  expect(await count("analytics_events", "name = 'checkout_cancel' AND json_extract(properties, '$.intentId') = ?", intentId)).toBe(1);
  // The old Checkout link cannot be paid any more.
  const late = await control.pay(url, "pay");
  expect(late.status).not.toBe(303);
  await deliverAll((await eventsFor(customerId)).map((e) => e.id));
  expect((await intentRow(intentId))!.state).toBe("canceled");
});

test("an expired checkout session expires the intent, even when its events come late or twice", async () => {
  const { intentId, sessionId, customerId } = await buyOrganization();
  await stripe().checkout.sessions.expire(sessionId);
  const events = (await eventsFor(customerId)).map((e) => e.id);
  await deliverAll([...events, ...events]);
  expect((await intentRow(intentId))!.state).toBe("expired");
  expect(await count("tenants", "stripe_customer_id = ?", customerId)).toBe(0);
});

test("a D1 failure half-way is retried by the queue, leaves nothing half-written, and the retry succeeds", async () => {
  const { intentId, url, customerId } = await buyOrganization(2);
  await control.pay(url, "pay");
  const events = await eventsFor(customerId);
  const completed = events.find((e) => e.type === "checkout.session.completed")!;
  await env.DB.prepare(
    "CREATE TRIGGER test_fail_seats BEFORE INSERT ON tenant_entitlement_seat_assignments BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
  ).run();
  let failed;
  try {
    // Verified and queued: Stripe gets its 200; the consumer's attempt fails and asks the queue to retry.
    expect((await deliver(completed.id)).status).toBe(200);
    failed = lastQueueRun();
    expect(failed.retried.map((m) => (m.body as { event: { id: string } }).event.id)).toEqual([completed.id]);
  } finally {
    await env.DB.prepare("DROP TRIGGER test_fail_seats").run();
  }
  const intent = await intentRow(intentId);
  expect(intent!.state).toBe("paid"); // visibly paid, never lost
  expect(await count("tenants", "stripe_customer_id = ?", customerId)).toBe(0);
  expect(
    await count(
      "tenant_product_entitlements",
      "source_ref IN (SELECT stripe_subscription_id FROM subscriptions WHERE stripe_customer_id = ?)",
      customerId,
    ),
  ).toBe(0);
  const inbox = await env.DB.prepare("SELECT status, attempts, error FROM processed_webhook_events WHERE event_id = ?")
    .bind(completed.id)
    .first<{ status: string; error: string }>();
  expect(inbox).toMatchObject({ status: "failed", error: expect.stringContaining("injected failure") });

  // The queue's redelivery.
  const retried = await redeliver(failed.retried);
  expect(retried.acked).toHaveLength(1);
  expect((await intentRow(intentId))!.state).toBe("provisioned");
  const tenantId = await tenantOf(intentId);
  const state = await tenantState(tenantId);
  expect(state.entitlements).toHaveLength(1);
  expect(state.seats).toHaveLength(1);
  expect((await env.DB.prepare("SELECT status FROM processed_webhook_events WHERE event_id = ?").bind(completed.id).first())!.status).toBe(
    "processed",
  );
});

test("webhook refuses bad signatures, stale timestamps, garbage and oversize bodies with 400, writing nothing", async () => {
  const inbox = await count("processed_webhook_events");
  const { customerId, url } = await buyOrganization();
  await control.pay(url, "pay");
  const id = (await eventsFor(customerId))[0]!.id;
  const { payload, header } = await control.signEvent(id);
  const post = (body: string, sig: string | null) =>
    agent().fetch("/api/stripe/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(sig ? { "Stripe-Signature": sig } : {}) },
      body,
    });
  const stale = header.replace(/t=\d+/, `t=${Math.floor(Date.now() / 1000) - 3600}`);
  const cases: [string, string | null][] = [
    [payload, null],
    [payload, "t=123,v1=abc"],
    [payload, stale],
    [payload + " ", header],
    ["not json", header],
    // No Content-Length (callWorker sends the string as a stream, as a chunked request arrives): the
    // body guard cuts it off past 256 KiB, and that too is a 400, not a 500.
    ["x".repeat(300_000), header],
  ];
  for (const [body, sig] of cases) expect((await post(body, sig)).status).toBe(400);
  expect(await count("processed_webhook_events")).toBe(inbox);
  expect((await agent().fetch("/api/stripe/webhook")).status).toBe(405);
});

test("a webhook with a declared length is read whole, and a key imported for one secret never verifies with another", async () => {
  const { customerId, url } = await buyOrganization();
  await control.pay(url, "pay");
  const id = (await eventsFor(customerId))[0]!.id;
  const { payload, header } = await control.signEvent(id);
  // As Stripe sends it: a Content-Length header, so the body is read in one go.
  const request = (sig: string, length = new TextEncoder().encode(payload).byteLength) =>
    new Request(`${BASE}/api/stripe/webhook`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(length), "Stripe-Signature": sig },
      body: payload,
    });
  const ok = await callWorker(request(header));
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ received: true, event: id });
  // The same isolate verifying under another secret (a rotated one) must not use the key it remembers for ours.
  const rotated = await callWorker(request(header), { ...env, STRIPE_WEBHOOK_SECRET: "whsec_rotated_secret" });
  expect(rotated.status).toBe(400);
  expect(await rotated.json()).toMatchObject({ error: "invalid_signature" });
  const signedForRotated = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: "whsec_rotated_secret",
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  expect((await callWorker(request(signedForRotated), { ...env, STRIPE_WEBHOOK_SECRET: "whsec_rotated_secret" })).status).toBe(200);
  expect((await callWorker(request(signedForRotated))).status).toBe(400);
  // A declared length over the webhook's limit is refused before a byte is read.
  expect((await callWorker(request(header, 300_000))).status).toBe(400);
});

test("unknown event types are acknowledged and recorded as ignored", async () => {
  const { customerId } = await buyOrganization();
  const created = (await eventsFor(customerId)).find((e) => e.type === "customer.created")!;
  const first = await deliver(created.id);
  expect(first.status).toBe(200);
  expect(await first.json()).toMatchObject({ received: true, event: created.id, outcome: "queued" });
  const row = () =>
    env.DB.prepare("SELECT status, attempts, error FROM processed_webhook_events WHERE event_id = ?").bind(created.id).first();
  expect(await row()).toMatchObject({ status: "ignored", attempts: 1, error: "customer.created is not used" });
  // The row keeps the event's own columns (it is written by a hand-built statement).
  const stored = await env.DB.prepare(
    "SELECT type, object_id, stripe_created, payload, received_at, processed_at, duration_ms, tenant_id FROM processed_webhook_events WHERE event_id = ?",
  )
    .bind(created.id)
    .first<Record<string, unknown>>();
  expect(stored).toMatchObject({
    type: "customer.created",
    object_id: customerId,
    stripe_created: expect.any(Number),
    duration_ms: 0,
    tenant_id: null,
  });
  expect(JSON.parse(String(stored!.payload))).toMatchObject({ id: created.id, type: "customer.created" });
  expect(stored!.received_at).toEqual(expect.any(Number));
  expect(stored!.processed_at).toEqual(expect.any(Number));
  // A duplicate is acknowledged and changes nothing.
  const again = await deliver(created.id);
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ received: true, outcome: "queued" });
  expect(await row()).toMatchObject({ status: "ignored", attempts: 1 });
  // A row an earlier attempt left failed is taken over by the next delivery.
  await env.DB.prepare("UPDATE processed_webhook_events SET status = 'failed', error = 'D1 was down' WHERE event_id = ?")
    .bind(created.id)
    .run();
  expect((await deliver(created.id)).status).toBe(200);
  expect(await row()).toMatchObject({ status: "ignored", attempts: 2, error: "customer.created is not used" });
});

test("full refund of Accelerator revokes it; a partial refund keeps it", async () => {
  const buyer = await signedInAgent();
  const { intentId, url, customerId } = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: "Refund Co" });
  await payAndDeliver(url, customerId);
  const tenantId = await tenantOf(intentId);
  const pi = (await intentRow(intentId))!.stripe_payment_intent_id as string;
  let seen = (await eventsFor(customerId)).map((e) => e.id);
  await deliverAll(seen);

  await stripe().refunds.create({ payment_intent: pi, amount: 10_000 });
  const partial = await eventsFor(customerId, seen);
  seen = [...seen, ...partial.map((e) => e.id)];
  await deliverAll(partial.map((e) => e.id));
  const acc = async () => (await tenantState(tenantId)).entitlements.find((e) => e.product_id === "prd_accelerator")!;
  expect((await acc()).status).toBe("active");

  await stripe().refunds.create({ payment_intent: pi });
  await deliverAll((await eventsFor(customerId, seen)).map((e) => e.id));
  expect((await acc()).status).toBe("revoked");
  const audit = await env.DB.prepare("SELECT reason FROM audit_log WHERE tenant_id = ? AND action = 'entitlement.revoked'")
    .bind(tenantId)
    .first();
  expect(String(audit!.reason)).toContain("fully refunded");
});

test("cancellation at period end keeps access until then; cancellation ends it", async () => {
  const { intentId, url, customerId } = await buyOrganization(2);
  const seen = (await payAndDeliver(url, customerId)).map((e) => e.id);
  const tenantId = await tenantOf(intentId);
  const subId = (await intentRow(intentId))!.stripe_subscription_id as string;

  await stripe().subscriptions.update(subId, { cancel_at_period_end: true });
  const scheduled = await eventsFor(customerId, seen);
  await deliverAll(scheduled.map((e) => e.id));
  let org = (await tenantState(tenantId)).entitlements[0]!;
  expect(org).toMatchObject({ status: "active", has_end: 1 });

  await stripe().subscriptions.cancel(subId);
  await deliverAll((await eventsFor(customerId, [...seen, ...scheduled.map((e) => e.id)])).map((e) => e.id));
  org = (await tenantState(tenantId)).entitlements[0]!;
  expect(org.status).toBe("canceled");
});

test("a renewal that fails puts the tenant past due with a grace period; paying recovers it", async () => {
  const { intentId, url, customerId, user } = await buyOrganization(2);
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await control.attachClock(customerId, clock.id);
  let seen = (await payAndDeliver(url, customerId)).map((e) => e.id);
  const tenantId = await tenantOf(intentId);

  await control.declineNextPayment(customerId, true);
  await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 32 * 86_400 });
  const failedRenewal = await eventsFor(customerId, seen);
  expect(failedRenewal.map((e) => e.type)).toContain("invoice.payment_failed");
  seen = [...seen, ...failedRenewal.map((e) => e.id)];
  await deliverAll(failedRenewal.map((e) => e.id));
  let org = (await tenantState(tenantId)).entitlements[0]!;
  expect(org.status).toBe("past_due");
  const failedAt = (await stripe().events.retrieve(failedRenewal.find((e) => e.type === "invoice.payment_failed")!.id)).created * 1000;
  expect(org.grace_until as number).toBeLessThanOrEqual(failedAt + 7 * 86_400_000);
  // The owner is told once, with the day access ends, however often Stripe delivers the event.
  const failedEvent = failedRenewal.find((e) => e.type === "invoice.payment_failed")!.id;
  await deliverAll([failedEvent, failedEvent]);
  const notices = await env.DB.prepare("SELECT subject, text_body FROM email_outbox WHERE to_address = ? AND template = 'payment_failed'")
    .bind(user.email)
    .all<{ subject: string; text_body: string }>();
  expect(notices.results).toHaveLength(1);
  const accessEnds = new Date(org.grace_until as number).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  expect(notices.results[0]!.text_body).toContain(`Access continues until ${accessEnds}.`);

  await control.declineNextPayment(customerId, false);
  const invoice = (await stripe().invoices.list({ customer: customerId, status: "open" })).data[0]!;
  await stripe().invoices.pay(invoice.id);
  await deliverAll((await eventsFor(customerId, seen)).map((e) => e.id));
  org = (await tenantState(tenantId)).entitlements[0]!;
  expect(org).toMatchObject({ status: "active", grace_until: null });
});

test("an Accelerator trial without a payment method ends paused (tests/integration/paused.test.ts has the rest)", async () => {
  const buyer = await signedInAgent();
  const { intentId, url, customerId } = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: "No Card Co" });
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await control.attachClock(customerId, clock.id);
  let seen = (await payAndDeliver(url, customerId)).map((e) => e.id);
  const tenantId = await tenantOf(intentId);
  const subId = (await tenantState(tenantId)).subscriptions[0]!.stripe_subscription_id as string;
  // The buyer removes the card before the trial ends.
  await stripe().subscriptions.update(subId, { default_payment_method: "" });
  seen = [...seen, ...(await eventsFor(customerId, seen)).map((e) => e.id)];

  await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 31 * 86_400 });
  const trialEnd = await eventsFor(customerId, seen);
  expect(trialEnd.map((e) => e.type)).toEqual(
    expect.arrayContaining(["customer.subscription.trial_will_end", "customer.subscription.paused"]),
  );
  await deliverAll(trialEnd.map((e) => e.id));
  const state = await tenantState(tenantId);
  expect(state.entitlements.find((e) => e.product_id === "prd_organization")!.status).toBe("paused");
  expect(state.entitlements.find((e) => e.product_id === "prd_accelerator")!.status).toBe("active");
});

test("three days before an Accelerator trial ends, its owner gets one email; a trial already over gets none", async () => {
  const buyer = await signedInAgent();
  const { intentId, url, customerId } = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: "Trial Mail Co" });
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await control.attachClock(customerId, clock.id);
  const seen = (await payAndDeliver(url, customerId)).map((e) => e.id);
  await deliverAll((await eventsFor(customerId, seen)).map((e) => e.id));
  const tenantId = await tenantOf(intentId);
  const trialEnd = (await tenantState(tenantId)).subscriptions[0]!.trial_end as number;

  await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 28 * 86_400 });
  const willEnd = (await eventsFor(customerId, seen)).filter((e) => e.type === "customer.subscription.trial_will_end");
  expect(willEnd).toHaveLength(1);
  await deliverAll([willEnd[0]!.id, willEnd[0]!.id]);
  const mails = await env.DB.prepare("SELECT subject FROM email_outbox WHERE to_address = ? AND template = 'trial_ending'")
    .bind(buyer.user.email)
    .all<{ subject: string }>();
  expect(mails.results).toHaveLength(1);
  const day = new Date(trialEnd).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  expect(mails.results[0]!.subject).toBe(`Your Trial Mail Co trial ends on ${day}`);
});

// The order-independence tests replay hundreds of deliveries; they run last so the other tests
// meet a small emulator state.
test("every delivery order of a new Organization purchase ends in the same state", async () => {
  const { user, intentId, url, customerId } = await buyOrganization(4);
  const events = await payAndDeliver(url, customerId);
  const tenantId = await tenantOf(intentId);
  const reference = await tenantState(tenantId);
  const ids = events.map((e) => e.id);
  // Every order of the events the app acts on; the events it ignores keep their place.
  const acted = events
    .filter((e) => e.type.startsWith("checkout.session") || e.type.startsWith("customer.subscription") || e.type.startsWith("invoice.pa"))
    .map((e) => e.id);
  const ignored = ids.filter((id) => !acted.includes(id));
  const orders = await forDeliveryOrders(acted, async (order) => {
    // The ignored events stay in the inbox: replaying them changes nothing (checked below).
    await rewindPurchase({ intentId, tenantId, userId: user.id, customerId, eventIds: acted });
    const statuses = await deliverAll(order);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await tenantState(tenantId), order.join(" ")).toEqual(reference);
    expect((await intentRow(intentId))!.state).toBe("provisioned");
  });
  expect(orders).toBeGreaterThanOrEqual(6);
  // And each event three times at once.
  await rewindPurchase({ intentId, tenantId, userId: user.id, customerId, eventIds: ids });
  for (const id of ids) {
    const results = await Promise.all([deliver(id), deliver(id), deliver(id)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  }
  expect(await tenantState(tenantId)).toEqual(reference);
  expect(ignored.length).toBeGreaterThan(0);
}, 180_000);

test("every delivery order of an Accelerator purchase (with its bundled trial) ends in the same state", async () => {
  const buyer = await signedInAgent();
  const { intentId, url, customerId } = await startCheckout(buyer.agent, {
    priceId: PRICE.accelerator,
    organizationName: "Order Trial Co",
  });
  await control.pay(url, "pay");
  // In order: provisioning starts the trial, whose own events follow.
  await deliverAll((await eventsFor(customerId)).map((e) => e.id));
  const events = await eventsFor(customerId);
  await deliverAll(events.map((e) => e.id));
  const tenantId = await tenantOf(intentId);
  const reference = await tenantState(tenantId);
  expect(reference.entitlements).toHaveLength(2);
  const orders = await expectOrderIndependent({ intentId, tenantId, userId: buyer.user.id, customerId, events, reference });
  expect(orders).toBeGreaterThanOrEqual(2);
  // Replays never started a second trial in Stripe.
  expect((await stripe().subscriptions.list({ customer: customerId })).data).toHaveLength(1);
}, 240_000);

test("every delivery order of a cancellation (at period end, then now) ends canceled", async () => {
  const { user, intentId, url, customerId } = await buyOrganization(2);
  const purchase = await payAndDeliver(url, customerId);
  const subId = (await intentRow(intentId))!.stripe_subscription_id as string;
  await stripe().subscriptions.update(subId, { cancel_at_period_end: true });
  await stripe().subscriptions.cancel(subId);
  const events = await eventsFor(
    customerId,
    purchase.map((e) => e.id),
  );
  await deliverAll(events.map((e) => e.id));
  const tenantId = await tenantOf(intentId);
  const reference = await tenantState(tenantId);
  expect(reference.entitlements[0]).toMatchObject({ status: "canceled" });
  expect(
    await expectOrderIndependent({ intentId, tenantId, userId: user.id, customerId, prefix: purchase, events, reference }),
  ).toBeGreaterThanOrEqual(2);
}, 240_000);

test("every delivery order of a failed renewal and its recovery ends active", async () => {
  const { user, intentId, url, customerId } = await buyOrganization(2);
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await control.attachClock(customerId, clock.id);
  const purchase = await payAndDeliver(url, customerId);
  await control.declineNextPayment(customerId, true);
  await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 32 * 86_400 });
  await control.declineNextPayment(customerId, false);
  const invoice = (await stripe().invoices.list({ customer: customerId, status: "open" })).data[0]!;
  await stripe().invoices.pay(invoice.id);
  const events = await eventsFor(
    customerId,
    purchase.map((e) => e.id),
  );
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["invoice.payment_failed", "invoice.paid"]));
  await deliverAll(events.map((e) => e.id));
  const tenantId = await tenantOf(intentId);
  const reference = await tenantState(tenantId);
  expect(reference.entitlements[0]).toMatchObject({ status: "active", grace_until: null });
  expect(
    await expectOrderIndependent({ intentId, tenantId, userId: user.id, customerId, prefix: purchase, events, reference }),
  ).toBeGreaterThanOrEqual(2);
}, 600_000);
