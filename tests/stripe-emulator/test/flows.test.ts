// The event stream of every flow Gatehouse uses, as Stripe documents it: the types in order and
// the previous_attributes of each update. One test per flow, read from the emulator's record of
// which customer each event concerns.
import type Stripe from "stripe";
import { beforeAll, expect, it } from "vitest";
import { control, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();
const T0 = 1_790_000_000;
let monthly: Stripe.Price;
let once: Stripe.Price;

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  monthly = await makePrice(stripe, { unit_amount: 3000, name: "Flow seats" });
  once = await makePrice(stripe, { unit_amount: 50000, recurring: false, name: "Flow lifetime" });
});

type Step = { type: string; previous?: Record<string, unknown> };

/** The customer's events after the first `skip`, with the previous_attributes of updates. */
async function stream(customer: string, skip = 0): Promise<Step[]> {
  const deliveries = (await control().deliveries({ customer })).slice(skip);
  const steps: Step[] = [];
  for (const d of deliveries) {
    const e = await stripe.events.retrieve(d.event_id);
    steps.push(
      e.data.previous_attributes ? { type: e.type, previous: e.data.previous_attributes as Record<string, unknown> } : { type: e.type },
    );
  }
  return steps;
}

const types = (steps: Step[]) => steps.map((s) => s.type);
const previousOf = (steps: Step[], type: string, nth = 0) => steps.filter((s) => s.type === type)[nth]?.previous;
const count = async (customer: string) => (await control().deliveries({ customer })).length;

async function clocked(email: string) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const customer = await stripe.customers.create({ email, test_clock: clock.id, payment_method: "pm_card_visa" });
  const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
  return { clock, customer, pm };
}

const PAID = [
  "payment_intent.created",
  "charge.succeeded",
  "payment_intent.succeeded",
  "invoice.updated",
  "invoice.paid",
  "invoice.payment_succeeded",
  "invoice_payment.paid",
];
// Finalizing is an update (status, number, status_transitions.finalized_at) and invoice.finalized.
const FINALIZED = ["invoice.updated", "invoice.finalized"];
const DECLINED = ["payment_intent.created", "charge.failed", "payment_intent.payment_failed", "invoice.updated", "invoice.payment_failed"];

it("subscription Checkout", async () => {
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer_email: "flow-sub@example.com",
    line_items: [{ price: monthly.id, quantity: 2 }],
    success_url: "http://x/ok",
  });
  await control().pay(session.url as string);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  const steps = await stream(done.customer as string);
  expect(types(steps)).toEqual([
    "customer.created",
    "payment_method.attached",
    "customer.subscription.created",
    "invoice.created",
    ...FINALIZED,
    ...PAID,
    "customer.subscription.updated",
    "checkout.session.completed",
  ]);
  expect(previousOf(steps, "customer.subscription.updated")).toEqual({ status: "incomplete" });
  expect(previousOf(steps, "invoice.updated", 0)).toMatchObject({
    status: "draft",
    number: null,
    status_transitions: { finalized_at: null },
  });
  // A nested hash shows only the keys that changed.
  expect(Object.keys((previousOf(steps, "invoice.updated", 0)?.status_transitions ?? {}) as object)).toEqual(["finalized_at"]);
  expect(previousOf(steps, "invoice.updated", 1)).toMatchObject({
    status: "open",
    amount_paid: 0,
    amount_remaining: 6000,
    attempted: false,
    attempt_count: 0,
  });
  // The created event already names the first invoice.
  const created = (await stripe.events.list({ type: "customer.subscription.created", limit: 1 })).data[0] as Stripe.Event;
  const sub = created.data.object as Stripe.Subscription;
  expect(sub).toMatchObject({ status: "incomplete", id: done.subscription });
  expect(sub.latest_invoice).toMatch(/^in_/);
  expect((await stripe.subscriptions.retrieve(sub.id)).latest_invoice).toBe(sub.latest_invoice);
});

it("one-time Checkout", async () => {
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    customer_email: "flow-once@example.com",
    line_items: [{ price: once.id, quantity: 1 }],
    payment_intent_data: { setup_future_usage: "off_session" },
    success_url: "http://x/ok",
  });
  await control().pay(session.url as string);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  expect(types(await stream(done.customer as string))).toEqual([
    "customer.created",
    "payment_method.attached",
    "payment_intent.created",
    "charge.succeeded",
    "payment_intent.succeeded",
    "checkout.session.completed",
  ]);
});

it("renewal: a draft invoice with the new period, finalized and paid an hour later", async () => {
  const { clock, customer, pm } = await clocked("flow-renew@example.com");
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
  const end = sub.items.data[0]?.current_period_end as number;
  const skip = await count(customer.id);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 2 * 3600 });
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual(["invoice.created", "customer.subscription.updated", ...FINALIZED, ...PAID]);
  expect(Object.keys(previousOf(steps, "customer.subscription.updated") ?? {}).sort()).toEqual(["items", "latest_invoice"]);
  expect(previousOf(steps, "customer.subscription.updated")?.latest_invoice).toBe(sub.latest_invoice);
  expect(previousOf(steps, "invoice.updated", 0)).toMatchObject({ status: "draft", automatically_finalizes_at: end + 3600 });
  expect(previousOf(steps, "invoice.updated", 1)).toMatchObject({ status: "open", amount_paid: 0 });
});

it("failed renewal and recovery", async () => {
  const { clock, customer, pm } = await clocked("flow-recover@example.com");
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
  const end = sub.items.data[0]?.current_period_end as number;
  await control().declineNextPayment(customer.id);
  const skip = await count(customer.id);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 2 * 3600 });
  const open = (await stripe.invoices.list({ customer: customer.id, status: "open" })).data[0] as Stripe.Invoice;
  await stripe.invoices.pay(open.id);
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual([
    "invoice.created",
    "customer.subscription.updated",
    ...FINALIZED,
    ...DECLINED,
    "customer.subscription.updated",
    ...PAID,
    "customer.subscription.updated",
  ]);
  expect(previousOf(steps, "invoice.updated", 1)).toMatchObject({ attempt_count: 0, attempted: false });
  expect(previousOf(steps, "customer.subscription.updated", 1)).toEqual({ status: "active" });
  expect(previousOf(steps, "invoice.updated", 2)).toMatchObject({ status: "open", attempt_count: 1 });
  expect(previousOf(steps, "customer.subscription.updated", 2)).toEqual({ status: "past_due" });
});

it("seat change invoiced at once (always_invoice)", async () => {
  const { customer, pm } = await clocked("flow-seats-now@example.com");
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: monthly.id, quantity: 2 }],
    default_payment_method: pm,
  });
  const skip = await count(customer.id);
  const updated = await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0]?.id as string, quantity: 4 }],
    proration_behavior: "always_invoice",
    payment_behavior: "error_if_incomplete",
  });
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual([
    "customer.subscription.updated",
    "invoiceitem.created",
    "invoiceitem.created",
    "invoice.created",
    ...FINALIZED,
    ...PAID,
  ]);
  // One update names both the new items and the invoice that bills them.
  expect(Object.keys(previousOf(steps, "customer.subscription.updated") ?? {}).sort()).toEqual(["items", "latest_invoice"]);
  const event = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data[0] as Stripe.Event;
  expect((event.data.object as Stripe.Subscription).latest_invoice).toBe(updated.latest_invoice);
  expect((await stripe.invoices.retrieve(updated.latest_invoice as string)).billing_reason).toBe("subscription_update");
});

it("seat change billed on the next invoice (create_prorations)", async () => {
  const { clock, customer, pm } = await clocked("flow-seats-later@example.com");
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: monthly.id, quantity: 4 }],
    default_payment_method: pm,
  });
  const skip = await count(customer.id);
  await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0]?.id as string, quantity: 3 }],
    proration_behavior: "create_prorations",
  });
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual(["customer.subscription.updated", "invoiceitem.created", "invoiceitem.created"]);
  expect(Object.keys(previousOf(steps, "customer.subscription.updated") ?? {})).toEqual(["items"]);
  // The renewal invoice carries the pending prorations.
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: (sub.items.data[0]?.current_period_end as number) + 2 * 3600 });
  const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0] as Stripe.Invoice;
  expect(renewal.lines.data.filter((l) => l.parent?.subscription_item_details?.proration)).toHaveLength(2);
  expect(renewal.status).toBe("paid");
});

it("cancellation now", async () => {
  const { customer, pm } = await clocked("flow-cancel-now@example.com");
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
  const skip = await count(customer.id);
  await stripe.subscriptions.cancel(sub.id, { cancellation_details: { comment: "too many seats", feedback: "too_expensive" } });
  const steps = await stream(customer.id, skip);
  expect(steps).toEqual([{ type: "customer.subscription.deleted" }]);
  expect((await stripe.subscriptions.retrieve(sub.id)).cancellation_details).toMatchObject({
    comment: "too many seats",
    feedback: "too_expensive",
  });
});

it("cancellation at period end", async () => {
  const { clock, customer, pm } = await clocked("flow-cancel-later@example.com");
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
  const skip = await count(customer.id);
  await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: (sub.items.data[0]?.current_period_end as number) + 2 * 3600 });
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual(["customer.subscription.updated", "customer.subscription.deleted"]);
  expect(previousOf(steps, "customer.subscription.updated")).toMatchObject({
    cancel_at_period_end: false,
    cancel_at: null,
    canceled_at: null,
  });
  expect(Object.keys(previousOf(steps, "customer.subscription.updated") ?? {}).sort()).toEqual([
    "cancel_at",
    "cancel_at_period_end",
    "canceled_at",
    "cancellation_details",
  ]);
  expect(previousOf(steps, "customer.subscription.updated")?.cancellation_details).toEqual({ reason: null });
});

it("refund", async () => {
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    customer_email: "flow-refund@example.com",
    line_items: [{ price: once.id, quantity: 1 }],
    success_url: "http://x/ok",
  });
  await control().pay(session.url as string);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  const customer = done.customer as string;
  const skip = await count(customer);
  await stripe.refunds.create({ payment_intent: done.payment_intent as string });
  const steps = await stream(customer, skip);
  expect(types(steps)).toEqual(["charge.refunded", "refund.created"]);
  expect(previousOf(steps, "charge.refunded")).toMatchObject({ amount_refunded: 0, refunded: false });
});

it("trial end", async () => {
  const { clock, customer, pm } = await clocked("flow-trial@example.com");
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: monthly.id }],
    trial_period_days: 30,
    default_payment_method: pm,
  });
  const skip = await count(customer.id);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: (sub.trial_end as number) + 2 * 3600 });
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual([
    "customer.subscription.trial_will_end",
    "invoice.created",
    "customer.subscription.updated",
    ...FINALIZED,
    ...PAID,
  ]);
  expect(previousOf(steps, "customer.subscription.updated")).toMatchObject({ status: "trialing" });
  expect(Object.keys(previousOf(steps, "customer.subscription.updated") ?? {}).sort()).toEqual(["items", "latest_invoice", "status"]);
});

it("a test clock's deletion is an event", async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0, name: "flow-delete" });
  await stripe.testHelpers.testClocks.del(clock.id);
  const deleted = (await stripe.events.list({ type: "test_helpers.test_clock.deleted", limit: 1 })).data[0] as Stripe.Event;
  expect((deleted.data.object as Stripe.TestHelpers.TestClock).id).toBe(clock.id);
});

it("deleting a test clock deletes its customers and their subscriptions", async () => {
  const { clock, customer, pm } = await clocked("flow-clock-gone@example.com");
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
  const skip = await count(customer.id);
  await stripe.testHelpers.testClocks.del(clock.id);
  expect(types(await stream(customer.id, skip))).toEqual(["customer.subscription.deleted", "customer.deleted"]);
  expect((await stripe.customers.retrieve(customer.id)).deleted).toBe(true);
  expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  const last = (await stripe.events.list({ limit: 1 })).data[0] as Stripe.Event;
  expect(last.type).toBe("test_helpers.test_clock.deleted");
});

it("a renewal draft whose subscription is canceled within its hour stays a draft and is never charged", async () => {
  const { clock, customer, pm } = await clocked("flow-draft-canceled@example.com");
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
  const end = sub.items.data[0]?.current_period_end as number;
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 600 });
  const draft = (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string;
  expect((await stripe.invoices.retrieve(draft)).status).toBe("draft");
  const skip = await count(customer.id);
  await stripe.subscriptions.cancel(sub.id);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 3 * 3600 });
  const steps = await stream(customer.id, skip);
  expect(types(steps)).toEqual(["customer.subscription.deleted", "invoice.updated"]);
  expect(previousOf(steps, "invoice.updated")).toEqual({ auto_advance: true, automatically_finalizes_at: end + 3600 });
  expect(await stripe.invoices.retrieve(draft)).toMatchObject({
    status: "draft",
    auto_advance: false,
    automatically_finalizes_at: null,
    amount_paid: 0,
  });
  expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(1);
});

it("previous_attributes narrow a nested hash to the keys that changed", async () => {
  const { customer, pm } = await clocked("flow-narrow@example.com");
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: monthly.id }],
    default_payment_method: pm,
    metadata: { a: "1", b: "2" },
  });
  const skip = await count(customer.id);
  await stripe.subscriptions.update(sub.id, { metadata: { b: "3", c: "4" } });
  await stripe.subscriptions.update(sub.id, { metadata: { a: "" } });
  const steps = await stream(customer.id, skip);
  expect(previousOf(steps, "customer.subscription.updated", 0)).toEqual({ metadata: { b: "2", c: null } });
  expect(previousOf(steps, "customer.subscription.updated", 1)).toEqual({ metadata: { a: "1" } });
});
