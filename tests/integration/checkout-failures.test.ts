import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import {
  control,
  deliver,
  deliverAll,
  eventsFor,
  expectOrderIndependent,
  forDeliveryOrders,
  intentRow,
  PRICE,
  startCheckout,
  tenantState,
} from "../factories/billing";
import {
  agent,
  BASE,
  callWorker,
  json,
  sameRateLimitWindow,
  signedInAgent,
  uniqueEmail,
  pageText,
  countRows as count,
} from "../factories/http";

// How a checkout ends when it does not simply succeed: a delayed (bank debit) payment that settles
// later or fails, Stripe being unreachable, and the endpoint aliases of the MVP plan.

/** An Accelerator Checkout paid with a delayed method: the session completes "unpaid" and settles later. */
async function payAsync(organizationName: string) {
  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName });
  const paid = await control.pay(checkout.url, "pay_async");
  expect(paid.status).toBe(303);
  expect(paid.location).toContain(`/checkout/return?intent=${checkout.intentId}`);
  return { ...buyer, ...checkout };
}

test("a delayed payment waits as 'processing', then async_payment_succeeded provisions, in any order and once", async () => {
  const p = await payAsync("Bank Debit Ltd");
  const completed = await eventsFor(p.customerId);
  expect(completed.map((e) => e.type)).toContain("checkout.session.completed");
  expect(await deliverAll(completed.map((e) => e.id))).toEqual(completed.map(() => 200));
  // Complete but unpaid confirms nothing: the buyer waits, nothing exists yet.
  expect((await intentRow(p.intentId))!.state).toBe("checkout_open");
  expect(await count("tenants", "stripe_customer_id = ?", p.customerId)).toBe(0);
  expect(await pageText(await p.agent.fetch(`/checkout/return?intent=${p.intentId}`))).toContain("Processing payment");

  await control.resolveAsyncPayment(p.sessionId, "succeeded");
  const settled = await eventsFor(
    p.customerId,
    completed.map((e) => e.id),
  );
  expect(settled.map((e) => e.type)).toContain("checkout.session.async_payment_succeeded");
  expect(await deliverAll(settled.map((e) => e.id))).toEqual(settled.map(() => 200));
  const intent = await intentRow(p.intentId);
  expect(intent!.state).toBe("provisioned");
  // Provisioning started the bundled trial; its events follow.
  await deliverAll((await eventsFor(p.customerId)).map((e) => e.id));
  const tenantId = intent!.provisioned_tenant_id as string;
  const reference = await tenantState(tenantId);
  expect(reference.entitlements.find((e) => e.product_id === "prd_accelerator")).toMatchObject({
    status: "active",
    source: "stripe_payment",
  });
  expect(await pageText(await p.agent.fetch(`/checkout/return?intent=${p.intentId}`))).toContain("Payment confirmed");

  // Every order of the events (the succeeded one before the completed one too), each also thrice at once.
  const events = await eventsFor(p.customerId);
  const orders = await expectOrderIndependent({
    intentId: p.intentId,
    tenantId,
    userId: p.user.id,
    customerId: p.customerId,
    events,
    reference,
  });
  expect(orders).toBeGreaterThanOrEqual(2);
}, 240_000);

test("async_payment_failed provisions nothing, shows 'The payment failed' and a retry that buys again", async () => {
  const p = await payAsync("Bounced Debit Ltd");
  await control.resolveAsyncPayment(p.sessionId, "failed");
  const events = await eventsFor(p.customerId);
  expect(events.map((e) => e.type)).toEqual(
    expect.arrayContaining(["checkout.session.completed", "checkout.session.async_payment_failed"]),
  );
  const acted = events.filter((e) => e.type.startsWith("checkout.session")).map((e) => e.id);

  // Whatever the order, and each event thrice at once: the intent ends failed and nothing exists.
  const orders = await forDeliveryOrders(acted, async (order) => {
    await env.DB.batch([
      env.DB.prepare(`DELETE FROM processed_webhook_events WHERE event_id IN (${acted.map(() => "?").join(",")})`).bind(...acted),
      env.DB.prepare("UPDATE purchase_intents SET state = 'checkout_open', failure_reason = NULL, last_event_id = NULL WHERE id = ?").bind(
        p.intentId,
      ),
    ]);
    expect(await deliverAll(order)).toEqual(order.map(() => 200));
    for (const id of order)
      expect((await Promise.all([deliver(id), deliver(id), deliver(id)])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await intentRow(p.intentId))!.state, order.join(" ")).toBe("failed");
  });
  expect(orders).toBe(2);
  await deliverAll(events.map((e) => e.id));
  expect((await intentRow(p.intentId))!.failure_reason).toBe("asynchronous payment failed");
  expect(await count("tenants", "stripe_customer_id = ?", p.customerId)).toBe(0);
  expect(await count("tenant_memberships", "user_id = ?", p.user.id)).toBe(0);

  // The buyer's return page says so and offers a new Checkout for the same plan.
  const page = await pageText(await p.agent.fetch(`/checkout/return?intent=${p.intentId}`));
  expect(page).toContain("The payment failed");
  const retry = /<a[^>]*href="([^"]+)"[^>]*>Try again<\/a>/.exec(page)?.[1]?.replace(/&amp;/g, "&");
  expect(retry).toBe("/checkout/start?plan=accelerator&interval=month&seats=1");
  const start = await pageText(await p.agent.fetch(retry!));
  expect(start).toContain("Accelerator");
  expect(start).toContain("Continue to payment");
  // That new Checkout (a new session; the failed one is spent) is paid and provisions.
  const again = await startCheckout(p.agent, { priceId: PRICE.accelerator, organizationName: "Bounced Debit Ltd" });
  expect(again.sessionId).not.toBe(p.sessionId);
  expect((await control.pay(again.url, "pay")).status).toBe(303);
  await deliverAll(
    (
      await eventsFor(
        p.customerId,
        events.map((e) => e.id),
      )
    ).map((e) => e.id),
  );
  expect((await intentRow(again.intentId))!.state).toBe("provisioned");
  expect((await intentRow(p.intentId))!.state).toBe("failed");
}, 120_000);

// A port nothing listens on: every Stripe call fails to connect (after the SDK's own retries).
const stripeDown = { ...env, STRIPE_API_BASE: "http://127.0.0.1:1" } as Env;

test("Stripe unreachable: starting checkout is a friendly 502 (JSON for the API, a page for the form), never a 500", async () => {
  const buyer = await signedInAgent();
  const send = (path: string, init: { body: string; type: string }) =>
    callWorker(
      new Request(`${BASE}${path}`, {
        method: "POST",
        headers: {
          "Content-Type": init.type,
          Cookie: buyer.agent.cookie!,
          Origin: BASE,
          Host: new URL(BASE).host,
          "CF-Connecting-IP": buyer.agent.ip,
        },
        body: init.body,
      }),
      stripeDown,
    );
  const api = await send("/api/billing/create-checkout-session", {
    type: "application/json",
    body: JSON.stringify({ priceId: PRICE.pro, quantity: 3, organizationName: "Offline Co" }),
  });
  expect(api.status).toBe(502);
  expect(await api.json()).toMatchObject({ error: "payment_provider_unavailable", message: expect.stringContaining("payment provider") });

  const page = await send("/checkout/start?plan=organization&seats=3", {
    type: "application/x-www-form-urlencoded",
    body: new URLSearchParams({ priceId: PRICE.pro, quantity: "3", organizationName: "Offline Co" }).toString(),
  });
  expect(page.status).toBe(502);
  expect(page.headers.get("Content-Type")).toContain("text/html");
  const html = await pageText(page);
  expect(html).toContain("We could not reach the payment provider. Please try again.");
  expect(html).toContain("Continue to payment");
  // Nothing was bought or half-made: no intent waits for a session that was never created.
  expect(await count("purchase_intents", "user_id = ? AND state <> 'failed'", buyer.user.id)).toBe(0);

  // Coming back through Cancel while Stripe is down: the session cannot be expired, so the page
  // says why (502) and the intent stays open for a later visit or the reconciliation job.
  const open = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 3, organizationName: "Offline Co" });
  const cancel = await callWorker(
    new Request(`${BASE}/checkout/cancel?intent=${open.intentId}`, {
      headers: { Cookie: buyer.agent.cookie!, Host: new URL(BASE).host, "CF-Connecting-IP": buyer.agent.ip },
    }),
    stripeDown,
  );
  expect(cancel.status).toBe(502);
  expect(cancel.headers.get("Content-Type")).toContain("text/html");
  expect(await pageText(cancel)).toContain("We could not reach the payment provider. Please try again.");
  expect((await intentRow(open.intentId))!.state).toBe("checkout_open");
}, 60_000);

test("POST /api/auth/register is signup: same account, session, verification email, validation and rate limit", async () => {
  const a = agent();
  const email = uniqueEmail("register");
  const res = await a.fetch("/api/auth/register", json({ email, password: "a-long-unusual-phrase" }));
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ user: { email } });
  expect(a.cookie).toBeTruthy();
  expect(await (await a.fetch("/api/me")).json()).toMatchObject({ user: { email } });
  expect(await count("email_outbox", "to_address = ? AND template = 'verify_email'", email)).toBe(1);
  // The same answers as signup for the same bad input.
  for (const body of [{ email: "nope", password: "a-long-unusual-phrase" }, { email: uniqueEmail(), password: "short" }, { email }]) {
    const [viaRegister, viaSignup] = await Promise.all(
      ["/api/auth/register", "/api/auth/signup"].map(async (path) => {
        const r = await agent().fetch(path, json(body));
        return { status: r.status, body: await r.json() };
      }),
    );
    expect(viaRegister!.status).toBeGreaterThanOrEqual(400);
    expect(viaRegister).toEqual(viaSignup);
  }
  expect((await agent().fetch("/api/auth/register")).status).toBe(405);

  // One budget for both paths: 5 a minute per client address.
  await sameRateLimitWindow(3_000);
  const client = agent();
  const statuses = await Promise.all(
    ["signup", "signup", "signup", "register", "register"].map(
      async (path) =>
        (await client.fetch(`/api/auth/${path}`, json({ email: uniqueEmail("both"), password: "a-long-unusual-phrase" }))).status,
    ),
  );
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  const refused = await client.fetch("/api/auth/register", json({ email: uniqueEmail("both"), password: "a-long-unusual-phrase" }));
  expect(refused.status).toBe(429);
});

test("POST /api/billing/webhook is the Stripe webhook: verified events run once across both paths, unsigned ones are refused", async () => {
  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 2, organizationName: "Alias Hook Co" });
  expect((await control.pay(checkout.url, "pay")).status).toBe(303);
  const events = await eventsFor(checkout.customerId);
  const completed = events.find((e) => e.type === "checkout.session.completed")!;
  const post = (path: string, body: string, signature: string | null) =>
    agent().fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(signature ? { "Stripe-Signature": signature } : {}) },
      body,
    });
  const inbox = await count("processed_webhook_events");
  const { payload, header } = await control.signEvent(completed.id);
  for (const signature of [null, "t=1,v1=deadbeef", header.replace(/v1=[0-9a-f]+/, `v1=${"0".repeat(64)}`)]) {
    expect((await post("/api/billing/webhook", payload, signature)).status).toBe(400);
  }
  // An oversized body gets the webhook's own 400 (what Stripe expects), not the site-wide 413.
  expect((await post("/api/billing/webhook", "x".repeat(300_000), header)).status).toBe(400);
  expect(await count("processed_webhook_events")).toBe(inbox);
  expect((await intentRow(checkout.intentId))!.state).toBe("checkout_open");

  const accepted = await post("/api/billing/webhook", payload, header);
  expect(accepted.status).toBe(200);
  expect(await accepted.json()).toMatchObject({ received: true, event: completed.id, outcome: "queued" });
  expect((await intentRow(checkout.intentId))!.state).toBe("provisioned");
  // The same event on the other path is a duplicate: one inbox for both.
  expect((await post("/api/stripe/webhook", payload, header)).status).toBe(200);
  expect(
    await env.DB.prepare("SELECT status, attempts FROM processed_webhook_events WHERE event_id = ?").bind(completed.id).first(),
  ).toEqual({ status: "processed", attempts: 1 });
  expect((await agent().fetch("/api/billing/webhook")).status).toBe(405);
});
