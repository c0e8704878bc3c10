// Hosted Checkout: session creation, the page, and pay / decline / cancel / expire.
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, eventTypesFor, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();
let monthly: Stripe.Price;
let oneTime: Stripe.Price;

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  monthly = await makePrice(stripe, { unit_amount: 1500, name: "Gatehouse Team" });
  oneTime = await makePrice(stripe, { unit_amount: 4900, recurring: false, name: "Lifetime licence" });
});

function subSession(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: monthly.id, quantity: 3 }],
    success_url: "http://127.0.0.1:8787/billing/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://127.0.0.1:8787/billing/cancel",
    client_reference_id: "acct_123",
    metadata: { account_id: "acct_123" },
    ...extra,
  });
}

describe("checkout in subscription mode", () => {
  it("renders an accessible page with items, amounts, total and the three buttons", async () => {
    const s = await subSession({ customer_email: "page@example.com" });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/c\/pay\/cs_test_/);
    expect(s).toMatchObject({ status: "open", payment_status: "unpaid", mode: "subscription", amount_total: 4500, currency: "usd" });
    const html = await (await fetch(s.url as string)).text();
    expect(html).toContain("Gatehouse Team");
    expect(html).toContain("$15.00");
    expect(html).toContain("$45.00");
    expect(html).toMatch(/<td>3<\/td>/);
    for (const label of ["Pay", "Pay with a declined card", "Cancel"]) expect(html).toContain(`>${label}</button>`);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<h1>");
    const items = await stripe.checkout.sessions.listLineItems(s.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ object: "item", quantity: 3, amount_total: 4500, description: "Gatehouse Team" });
  });

  it("pay creates customer, subscription, paid invoice, payment and emits events in Stripe's order", async () => {
    const s = await subSession({ customer_email: "buyer@example.com" });
    const res = await control().pay(s.url as string, "pay");
    expect(res.status).toBe(303);
    expect(res.location).toBe(`http://127.0.0.1:8787/billing/success?session_id=${s.id}`);
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription", "customer", "line_items"] });
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", client_reference_id: "acct_123" });
    const sub = done.subscription as Stripe.Subscription;
    const customer = done.customer as Stripe.Customer;
    expect(customer.email).toBe("buyer@example.com");
    expect(sub).toMatchObject({ status: "active", customer: customer.id });
    expect(sub.items.data[0]).toMatchObject({ quantity: 3, price: { id: monthly.id } });
    expect(sub.items.data[0]?.current_period_end).toBeGreaterThan(sub.items.data[0]?.current_period_start as number);
    expect(sub.default_payment_method).toMatch(/^pm_/);
    expect(done.line_items?.data[0]?.quantity).toBe(3);
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 4500, billing_reason: "subscription_create" });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    const pis = await stripe.paymentIntents.list({ customer: customer.id });
    expect(pis.data[0]).toMatchObject({ status: "succeeded", amount: 4500 });
    const charges = await stripe.charges.list({ customer: customer.id });
    expect(charges.data[0]).toMatchObject({ paid: true, amount: 4500, payment_intent: pis.data[0]?.id });
    expect(await eventTypesFor(stripe, customer.id)).toEqual([
      "customer.created",
      "payment_method.attached",
      "customer.subscription.created",
      "invoice.created",
      "invoice.updated",
      "invoice.finalized",
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "invoice.updated",
      "invoice.paid",
      "invoice.payment_succeeded",
      "invoice_payment.paid",
      "customer.subscription.updated",
      "checkout.session.completed",
    ]);
    const completed = await stripe.events.list({ type: "checkout.session.completed", limit: 1 });
    expect((completed.data[0]?.data.object as Stripe.Checkout.Session).subscription).toBe(sub.id);
    const page = await (await fetch(`${new URL(s.url as string).origin}/c/pay/${s.id}`)).text();
    expect(page).toMatch(/already complete/);
    const again = await control().pay(`${new URL(s.url as string).origin}/c/pay/${s.id}`, "pay");
    expect(again.status).toBe(409);
  });

  it("a trial makes a trialing subscription with a $0 paid invoice", async () => {
    const c = await stripe.customers.create({ email: "trial@example.com" });
    const s = await subSession({ customer: c.id, subscription_data: { trial_period_days: 14, metadata: { plan: "team" } } });
    expect(s.amount_total).toBe(0);
    const html = await (await fetch(s.url as string)).text();
    expect(html).toMatch(/14-day free trial/);
    expect((await control().pay(s.url as string)).status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription.latest_invoice"] });
    expect(done.payment_status).toBe("no_payment_required");
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: "trialing", metadata: { plan: "team" }, customer: c.id });
    expect((sub.trial_end as number) - (sub.trial_start as number)).toBe(14 * 86400);
    expect(sub.latest_invoice).toMatchObject({ status: "paid", amount_due: 0, total: 0 });
    expect(await eventTypesFor(stripe, c.id)).toEqual([
      "customer.created",
      "payment_method.attached",
      "customer.subscription.created",
      "invoice.created",
      "invoice.updated",
      "invoice.finalized",
      "invoice.updated",
      "invoice.paid",
      "invoice.payment_succeeded",
      "checkout.session.completed",
    ]);
  });

  it("decline shows a declined page, emits payment_intent.payment_failed and leaves the session open for a retry", async () => {
    const c = await stripe.customers.create({ email: "decline@example.com" });
    const s = await subSession({ customer: c.id });
    const res = await control().pay(s.url as string, "decline");
    expect(res.status).toBe(402);
    expect(res.body).toMatch(/card was declined/i);
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    expect(await eventTypesFor(stripe, c.id)).toEqual([
      "customer.created",
      "payment_intent.created",
      "charge.failed",
      "payment_intent.payment_failed",
    ]);
    const failed = await stripe.paymentIntents.list({ customer: c.id });
    expect(failed.data[0]?.last_payment_error).toMatchObject({
      code: "card_declined",
      decline_code: "generic_decline",
      type: "card_error",
    });
    expect((await control().pay(s.url as string, "pay")).status).toBe(303);
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("complete");
  });

  it("the customer's decline flag makes the next Pay fail (or every Pay until cleared)", async () => {
    const c = await stripe.customers.create({ email: "flag@example.com" });
    await control().declineNextPayment(c.id);
    const s = await subSession({ customer: c.id });
    expect((await control().pay(s.url as string, "pay")).status).toBe(402);
    expect((await stripe.subscriptions.list({ customer: c.id })).data).toHaveLength(0);
    await control().declineNextPayment(c.id, true, "always");
    expect((await control().pay(s.url as string, "pay")).status).toBe(402);
    expect((await control().pay(s.url as string, "pay")).status).toBe(402);
    await control().declineNextPayment(c.id, false);
    expect((await control().pay(s.url as string, "pay")).status).toBe(303);
    expect((await stripe.subscriptions.list({ customer: c.id })).data[0]?.status).toBe("active");
  });

  it("cancel redirects to cancel_url and keeps the session open", async () => {
    const s = await subSession({ customer_email: "cancel@example.com" });
    const res = await control().pay(s.url as string, "cancel");
    expect(res.status).toBe(303);
    expect(res.location).toBe("http://127.0.0.1:8787/billing/cancel");
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
  });

  it("expire closes the session, emits checkout.session.expired and the page says so", async () => {
    const c = await stripe.customers.create({ email: "expire@example.com" });
    const s = await subSession({ customer: c.id, expires_at: Math.floor(Date.now() / 1000) + 3600 });
    const expired = await stripe.checkout.sessions.expire(s.id);
    expect(expired.status).toBe("expired");
    expect(await eventTypesFor(stripe, c.id)).toEqual(["customer.created", "checkout.session.expired"]);
    const page = await fetch(s.url as string);
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/expired/);
    expect((await control().pay(s.url as string)).status).toBe(410);
    await expect(stripe.checkout.sessions.expire(s.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it("expires_at must be 30 minutes to 24 hours ahead by the emulator's clock, with no slack", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(subSession({ expires_at: now + 1700 })).rejects.toMatchObject({ statusCode: 400, param: "expires_at" });
    await expect(subSession({ expires_at: now + 25 * 3600 })).rejects.toMatchObject({ statusCode: 400, param: "expires_at" });
    expect((await subSession({ expires_at: now + 31 * 60 })).expires_at).toBe(now + 31 * 60);
  });

  it("lists sessions by customer", async () => {
    const c = await stripe.customers.create({ email: "list@example.com" });
    const a = await subSession({ customer: c.id });
    const b = await subSession({ customer: c.id });
    const list = await stripe.checkout.sessions.list({ customer: c.id });
    expect(list.data.map((x) => x.id)).toEqual([b.id, a.id]);
  });
});

describe("checkout in payment mode", () => {
  it("pay creates a succeeded payment intent and charge; setup_future_usage keeps the card on the customer", async () => {
    const c = await stripe.customers.create({ email: "once@example.com" });
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: c.id,
      line_items: [{ price: oneTime.id, quantity: 2 }],
      payment_intent_data: { setup_future_usage: "off_session", metadata: { order: "o_1" } },
      success_url: "http://127.0.0.1:8787/done/{CHECKOUT_SESSION_ID}",
      cancel_url: "http://127.0.0.1:8787/cancel",
    });
    expect(s.amount_total).toBe(9800);
    const res = await control().pay(s.url as string);
    expect(res.location).toBe(`http://127.0.0.1:8787/done/${s.id}`);
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["payment_intent"] });
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", customer: c.id, subscription: null });
    const pi = done.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ status: "succeeded", amount: 9800, setup_future_usage: "off_session", metadata: { order: "o_1" } });
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
    expect(pm.customer).toBe(c.id);
    expect((await stripe.paymentMethods.list({ customer: c.id })).data.map((x) => x.id)).toContain(pm.id);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount: 9800, status: "succeeded", refunded: false });
    expect(await eventTypesFor(stripe, c.id)).toEqual([
      "customer.created",
      "payment_method.attached",
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.completed",
    ]);
    // The saved card can be the default of a later subscription.
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], default_payment_method: pm.id });
    expect(sub.status).toBe("active");
  });

  it("decline and cancel work in payment mode; recurring prices are rejected", async () => {
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      customer_email: "p@example.com",
      line_items: [{ price: oneTime.id, quantity: 1 }],
      success_url: "http://x/ok",
      cancel_url: "http://x/cancel",
    });
    expect((await control().pay(s.url as string, "decline")).status).toBe(402);
    expect((await control().pay(s.url as string, "cancel")).location).toBe("http://x/cancel");
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    await expect(
      stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: monthly.id, quantity: 1 }], success_url: "http://x" }),
    ).rejects.toMatchObject({ statusCode: 400, param: "line_items[0][price]" });
  });

  it("delayed payments (emulator-only action=pay_async) emit async_payment_succeeded / failed", async () => {
    const make = async (email: string) => {
      const c = await stripe.customers.create({ email });
      const s = await stripe.checkout.sessions.create({
        mode: "payment",
        customer: c.id,
        line_items: [{ price: oneTime.id, quantity: 1 }],
        success_url: "http://x/ok?id={CHECKOUT_SESSION_ID}",
      });
      expect((await control().pay(s.url as string, "pay_async")).location).toBe(`http://x/ok?id=${s.id}`);
      const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["payment_intent"] });
      expect(done).toMatchObject({ status: "complete", payment_status: "unpaid" });
      expect((done.payment_intent as Stripe.PaymentIntent).status).toBe("processing");
      return { c, s };
    };
    const ok = await make("async-ok@example.com");
    await control().resolveAsyncPayment(ok.s.id, "succeeded");
    expect((await stripe.checkout.sessions.retrieve(ok.s.id)).payment_status).toBe("paid");
    expect(await eventTypesFor(stripe, ok.c.id)).toEqual([
      "customer.created",
      "payment_intent.created",
      "payment_intent.processing",
      "checkout.session.completed",
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.async_payment_succeeded",
    ]);
    const bad = await make("async-bad@example.com");
    await control().resolveAsyncPayment(bad.s.id, "failed");
    expect((await stripe.checkout.sessions.retrieve(bad.s.id)).payment_status).toBe("unpaid");
    expect((await eventTypesFor(stripe, bad.c.id)).slice(-3)).toEqual([
      "charge.failed",
      "payment_intent.payment_failed",
      "checkout.session.async_payment_failed",
    ]);
    await expect(control().resolveAsyncPayment(bad.s.id, "succeeded")).rejects.toThrow(/400/);
  });

  it("a delayed payment keeps its payment method on the customer only with setup_future_usage, from confirmation on", async () => {
    for (const usage of [null, "off_session"] as const) {
      const c = await stripe.customers.create({ email: `async-${usage ?? "once"}@example.com` });
      const s = await stripe.checkout.sessions.create({
        mode: "payment",
        customer: c.id,
        line_items: [{ price: oneTime.id, quantity: 1 }],
        success_url: "http://x/ok",
        ...(usage ? { payment_intent_data: { setup_future_usage: usage } } : {}),
      });
      await control().pay(s.url as string, "pay_async");
      const pi = (await stripe.checkout.sessions.retrieve(s.id, { expand: ["payment_intent"] })).payment_intent as Stripe.PaymentIntent;
      expect(pi).toMatchObject({ status: "processing", setup_future_usage: usage });
      const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
      expect(pm.customer).toBe(usage ? c.id : null);
      expect((await stripe.customers.listPaymentMethods(c.id)).data.map((m) => m.id)).toEqual(usage ? [pm.id] : []);
      expect((await eventTypesFor(stripe, c.id)).includes("payment_method.attached")).toBe(usage !== null);
      await control().resolveAsyncPayment(s.id, "succeeded");
      // Saved for later: it can pay a subscription off-session, as the app's bundled trial does.
      if (usage) {
        const sub = await stripe.subscriptions.create({
          customer: c.id,
          items: [{ price: monthly.id, quantity: 1 }],
          default_payment_method: pm.id,
          trial_period_days: 30,
        });
        expect(sub.default_payment_method).toBe(pm.id);
      }
    }
  });
});
