// A trial that ends without a payment method and trial_settings.end_behavior.missing_payment_method
// "pause": the subscription's status becomes paused (not pause_collection, which keeps the status and
// still invoices), no invoice is made while it is paused, and POST /v1/subscriptions/:id/resume
// brings it back.
import type Stripe from "stripe";
import { beforeAll, expect, test } from "vitest";
import { control, eventTypesFor, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();
const DAY = 86400;
const T0 = 1_790_000_000;
let monthly: Stripe.Price;

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  monthly = await makePrice(stripe, { unit_amount: 2000, name: "Paused plan" });
});

/** A customer on a clock with a 7-day trial that pauses when it ends without a payment method. */
async function pausingTrial(email: string) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0, name: email });
  const customer = await stripe.customers.create({ email, test_clock: clock.id });
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: monthly.id }],
    trial_period_days: 7,
    trial_settings: { end_behavior: { missing_payment_method: "pause" } },
  });
  expect(sub).toMatchObject({ status: "trialing", trial_settings: { end_behavior: { missing_payment_method: "pause" } } });
  return { clock, customer, sub };
}

const advance = (clockId: string, to: number) => stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });

async function addCard(customerId: string) {
  const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId });
  await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: pm.id } });
  return pm.id;
}

test("a trial ending without a payment method pauses: updated then paused, status_details says why, no invoice", async () => {
  const { clock, customer, sub } = await pausingTrial("pause@example.com");
  const invoicesBefore = (await stripe.invoices.list({ subscription: sub.id })).data.length;
  await advance(clock.id, T0 + 8 * DAY);
  const paused = await stripe.subscriptions.retrieve(sub.id);
  expect(paused).toMatchObject({
    status: "paused",
    pause_collection: null,
    status_details: {
      paused: { type: "subscription", subscription: { type: "trial_end_without_payment_method" }, transitioned_at: T0 + 7 * DAY },
    },
  });
  expect((await eventTypesFor(stripe, customer.id)).slice(-3)).toEqual([
    "customer.subscription.trial_will_end",
    "customer.subscription.updated",
    "customer.subscription.paused",
  ]);
  const [pausedEvent] = (await stripe.events.list({ type: "customer.subscription.paused", limit: 1 })).data;
  expect(pausedEvent).toMatchObject({ created: T0 + 7 * DAY, data: { object: { id: sub.id, status: "paused" } } });
  const [updated] = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data;
  expect(updated!.data.previous_attributes).toMatchObject({ status: "trialing" });
  // Nothing happens to a paused subscription however far the clock moves: no invoice, no period.
  await advance(clock.id, T0 + 70 * DAY);
  expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(invoicesBefore);
  expect((await eventTypesFor(stripe, customer.id)).at(-1)).toBe("customer.subscription.paused");
  expect((await stripe.subscriptions.list({ customer: customer.id, status: "paused" })).data.map((s) => s.id)).toEqual([sub.id]);
});

test("resume (billing_cycle_anchor now, the default): a new period from now, its invoice paid, updated then resumed", async () => {
  const { clock, customer, sub } = await pausingTrial("resume@example.com");
  await advance(clock.id, T0 + 8 * DAY);
  await advance(clock.id, T0 + 20 * DAY);
  await addCard(customer.id);
  const seen = (await eventTypesFor(stripe, customer.id)).length;
  const resumed = await stripe.subscriptions.resume(sub.id, { expand: ["latest_invoice"] });
  expect(resumed).toMatchObject({ status: "active", billing_cycle_anchor: T0 + 20 * DAY });
  expect(resumed.status_details).toBeUndefined();
  expect(resumed.items.data[0]).toMatchObject({ current_period_start: T0 + 20 * DAY });
  expect(resumed.items.data[0]!.current_period_end).toBeGreaterThan(T0 + 47 * DAY);
  expect(resumed.latest_invoice).toMatchObject({ status: "paid", amount_paid: 2000, billing_reason: "subscription_update" });
  const types = (await eventTypesFor(stripe, customer.id)).slice(seen);
  expect(types).toEqual(expect.arrayContaining(["invoice.created", "invoice.finalized", "invoice.paid"]));
  expect(types.slice(-2)).toEqual(["customer.subscription.updated", "customer.subscription.resumed"]);
  const [updated] = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data;
  expect(updated!.data.previous_attributes).toMatchObject({ status: "paused" });
  // Active again: it renews at the end of the new period.
  await advance(clock.id, resumed.items.data[0]!.current_period_end + 2 * 3600);
  expect((await stripe.invoices.list({ subscription: sub.id, status: "paid" })).data).toHaveLength(3);
});

test("resume with billing_cycle_anchor unchanged prorates the rest of the period, or invoices nothing with proration none", async () => {
  const a = await pausingTrial("unchanged@example.com");
  await advance(a.clock.id, T0 + 8 * DAY);
  await addCard(a.customer.id);
  const prorated = await stripe.subscriptions.resume(a.sub.id, {
    billing_cycle_anchor: { type: "unchanged" },
    expand: ["latest_invoice"],
  });
  const invoice = prorated.latest_invoice as Stripe.Invoice;
  expect(prorated.status).toBe("active");
  expect(invoice.status).toBe("paid");
  expect(invoice.amount_paid).toBeGreaterThan(0);
  expect(invoice.amount_paid).toBeLessThan(2000);

  const b = await pausingTrial("unchanged-none@example.com");
  await advance(b.clock.id, T0 + 8 * DAY);
  const before = (await stripe.invoices.list({ subscription: b.sub.id })).data.length;
  const none = await stripe.subscriptions.resume(b.sub.id, { billing_cycle_anchor: { type: "unchanged" }, proration_behavior: "none" });
  expect(none.status).toBe("active");
  expect((await stripe.invoices.list({ subscription: b.sub.id })).data).toHaveLength(before);
  expect((await eventTypesFor(stripe, b.customer.id)).slice(-2)).toEqual([
    "customer.subscription.updated",
    "customer.subscription.resumed",
  ]);
});

test("resume without a payment method: past_due by default; resume_on_payment_success stays paused until the invoice is paid", async () => {
  const a = await pausingTrial("nocard@example.com");
  await advance(a.clock.id, T0 + 8 * DAY);
  expect(await stripe.subscriptions.resume(a.sub.id)).toMatchObject({ status: "past_due" });
  expect((await eventTypesFor(stripe, a.customer.id)).at(-1)).toBe("customer.subscription.resumed");

  const b = await pausingTrial("onsuccess@example.com");
  await advance(b.clock.id, T0 + 8 * DAY);
  const waiting = await stripe.subscriptions.resume(b.sub.id, { payment_behavior: "resume_on_payment_success" });
  expect(waiting.status).toBe("paused");
  expect(await eventTypesFor(stripe, b.customer.id)).not.toContain("customer.subscription.resumed");
  const open = (await stripe.invoices.list({ subscription: b.sub.id, status: "open" })).data[0]!;
  expect(waiting.latest_invoice).toBe(open.id);
  const pm = await addCard(b.customer.id);
  await stripe.invoices.pay(open.id, { payment_method: pm });
  expect(await stripe.subscriptions.retrieve(b.sub.id)).toMatchObject({ status: "active", billing_cycle_anchor: T0 + 8 * DAY });
  expect((await eventTypesFor(stripe, b.customer.id)).slice(-2)).toEqual([
    "customer.subscription.updated",
    "customer.subscription.resumed",
  ]);
});

test("only a paused subscription can be resumed, and resume's parameters are checked", async () => {
  const { sub } = await pausingTrial("notpaused@example.com");
  await expect(stripe.subscriptions.resume(sub.id)).rejects.toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError" });
  await expect(
    stripe.subscriptions.resume(sub.id, { proration_behavior: "sometimes" as Stripe.SubscriptionResumeParams.ProrationBehavior }),
  ).rejects.toMatchObject({ statusCode: 400, param: "proration_behavior" });
  await expect(stripe.subscriptions.resume("sub_missing")).rejects.toMatchObject({ statusCode: 404 });
});

test("the portal's Add payment method: a SetupIntent attaches a card and makes it the customer's default; the subscription stays paused", async () => {
  const { clock, customer, sub } = await pausingTrial("portal-card@example.com");
  await advance(clock.id, T0 + 8 * DAY);
  const session = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "http://x/back" });
  expect(await (await fetch(session.url)).text()).toContain("No payment method on file.");
  const seen = (await eventTypesFor(stripe, customer.id)).length;

  const res = await control().portal(session.url, { action: "add_payment_method" });
  expect(res.status).toBe(303);
  expect((await eventTypesFor(stripe, customer.id)).slice(seen)).toEqual([
    "setup_intent.created",
    "payment_method.attached",
    "setup_intent.succeeded",
    "customer.updated",
  ]);
  const [card] = (await stripe.customers.listPaymentMethods(customer.id)).data;
  expect(card).toMatchObject({ customer: customer.id, type: "card" });
  expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
    invoice_settings: { default_payment_method: card!.id },
  });
  const [updated] = (await stripe.events.list({ type: "customer.updated", limit: 1 })).data;
  expect(updated).toMatchObject({ created: T0 + 8 * DAY, data: { object: { id: customer.id } } });
  expect(updated!.data.previous_attributes).toMatchObject({ invoice_settings: { default_payment_method: null } });
  const [succeeded] = (await stripe.events.list({ type: "setup_intent.succeeded", limit: 1 })).data;
  expect(succeeded!.data.object).toMatchObject({
    object: "setup_intent",
    status: "succeeded",
    customer: customer.id,
    payment_method: card!.id,
  });
  expect(await (await fetch(session.url)).text()).toContain("(default)");
  // As in Stripe, adding a card does not resume anything: that takes POST /v1/subscriptions/:id/resume.
  expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("paused");
  expect(await stripe.subscriptions.resume(sub.id, { payment_behavior: "resume_on_payment_success" })).toMatchObject({ status: "active" });
});

test("detaching the default card clears the customer's default: payment_method.detached, then customer.updated", async () => {
  const customer = await stripe.customers.create({ email: "detach@example.com" });
  const pm = await addCard(customer.id);
  const seen = (await eventTypesFor(stripe, customer.id)).length;
  expect(await stripe.paymentMethods.detach(pm)).toMatchObject({ id: pm, customer: null });
  expect((await eventTypesFor(stripe, customer.id)).slice(seen)).toEqual(["payment_method.detached", "customer.updated"]);
  expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
    invoice_settings: { default_payment_method: null },
  });
  expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
  await expect(stripe.paymentMethods.detach(pm)).rejects.toMatchObject({ statusCode: 400 });
});
