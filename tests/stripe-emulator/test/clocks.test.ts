// Test clocks: renewals, trial ends, failed payments and retries, period-end cancels.
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, eventTypesFor, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();
const DAY = 86400;
const T0 = 1_790_000_000; // 2026-09-21, a fixed start keeps periods predictable
let monthly: Stripe.Price;

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  monthly = await makePrice(stripe, { unit_amount: 2000, name: "Clocked plan" });
});

async function clockedCustomer(email: string, withCard = true) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0, name: email });
  const customer = await stripe.customers.create({ email, test_clock: clock.id, ...(withCard ? { payment_method: "pm_card_visa" } : {}) });
  let pm: string | null = null;
  if (withCard) {
    pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } });
  }
  return { clock, customer, pm };
}

async function advance(clockId: string, to: number) {
  const res = await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  expect(res.status).toBe("advancing");
  const ready = await stripe.testHelpers.testClocks.retrieve(clockId);
  expect(ready).toMatchObject({ status: "ready", frozen_time: to });
  return ready;
}

describe("test clocks", () => {
  it("creates, retrieves, lists and deletes clocks; advance must move forward", async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0, name: "crud" });
    expect(clock).toMatchObject({ object: "test_helpers.test_clock", frozen_time: T0, status: "ready", name: "crud" });
    expect(clock.id).toMatch(/^clock_/);
    expect((await stripe.testHelpers.testClocks.retrieve(clock.id)).id).toBe(clock.id);
    expect((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toContain(clock.id);
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 - 1 })).rejects.toMatchObject({
      statusCode: 400,
      param: "frozen_time",
    });
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ id: clock.id, deleted: true });
    await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("renews at period end: a draft invoice and the new period, then an hour later finalized and paid", async () => {
    const { clock, customer, pm } = await clockedCustomer("renew@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      default_payment_method: pm as string,
    });
    expect(sub.start_date).toBe(T0);
    const end = sub.items.data[0]?.current_period_end as number;
    expect(end).toBe(T0 + 30 * DAY); // Sep 21 -> Oct 21
    const before = (await eventTypesFor(stripe, customer.id)).length;
    // Within the draft hour: the new period has begun, its invoice waits as a draft.
    await advance(clock.id, end + 1800);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.status).toBe("active");
    expect(after.items.data[0]).toMatchObject({ current_period_start: end, current_period_end: end + 31 * DAY });
    const draft = await stripe.invoices.retrieve(after.latest_invoice as string);
    expect(draft).toMatchObject({
      status: "draft",
      billing_reason: "subscription_cycle",
      automatically_finalizes_at: end + 3600,
      number: null,
      amount_paid: 0,
    });
    expect((await eventTypesFor(stripe, customer.id)).slice(before)).toEqual(["invoice.created", "customer.subscription.updated"]);
    await advance(clock.id, end + 3600);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data).toHaveLength(2);
    expect(invoices.data[0]).toMatchObject({
      billing_reason: "subscription_cycle",
      status: "paid",
      amount_paid: 2000,
      period_start: end,
      created: end,
      automatically_finalizes_at: null,
    });
    expect(invoices.data[0]?.status_transitions).toMatchObject({ finalized_at: end + 3600, paid_at: end + 3600 });
    expect((await eventTypesFor(stripe, customer.id)).slice(before)).toEqual([
      "invoice.created",
      "customer.subscription.updated",
      "invoice.updated",
      "invoice.finalized",
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "invoice.updated",
      "invoice.paid",
      "invoice.payment_succeeded",
      "invoice_payment.paid",
    ]);
    const upd = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data[0] as Stripe.Event;
    expect(upd.created).toBe(end);
    expect(upd.data.previous_attributes).toHaveProperty("items");
  });

  it("trial end with a payment method: trial_will_end 3 days before, then active and paid", async () => {
    const { clock, customer } = await clockedCustomer("trialpm@example.com");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 14 });
    expect(sub.status).toBe("trialing");
    await advance(clock.id, T0 + 12 * DAY);
    const willEnd = (await stripe.events.list({ type: "customer.subscription.trial_will_end", limit: 1 })).data[0] as Stripe.Event;
    expect((willEnd.data.object as Stripe.Subscription).id).toBe(sub.id);
    expect(willEnd.created).toBe(T0 + 11 * DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("trialing");
    await advance(clock.id, T0 + 15 * DAY);
    const active = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(active.status).toBe("active");
    expect(active.latest_invoice).toMatchObject({ status: "paid", amount_paid: 2000 });
    expect((await eventTypesFor(stripe, customer.id)).slice(-12)).toEqual([
      "customer.subscription.trial_will_end",
      "invoice.created",
      "customer.subscription.updated",
      "invoice.updated",
      "invoice.finalized",
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "invoice.updated",
      "invoice.paid",
      "invoice.payment_succeeded",
      "invoice_payment.paid",
    ]);
  });

  it("trial end without a payment method and end_behavior cancel: canceled", async () => {
    const { clock, customer } = await clockedCustomer("trialnopm@example.com", false);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    });
    await advance(clock.id, T0 + 8 * DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    expect((await eventTypesFor(stripe, customer.id)).slice(-2)).toEqual([
      "customer.subscription.trial_will_end",
      "customer.subscription.deleted",
    ]);
  });

  it("trial end without a payment method and create_invoice: past_due", async () => {
    const { clock, customer } = await clockedCustomer("trialinv@example.com", false);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 7 });
    await advance(clock.id, T0 + 8 * DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    expect(await eventTypesFor(stripe, customer.id)).toContain("invoice.payment_failed");
  });

  it("a declined renewal goes past_due; the next advance retries and it is active again", async () => {
    const { clock, customer, pm } = await clockedCustomer("pastdue@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      default_payment_method: pm as string,
    });
    await control().declineNextPayment(customer.id);
    const end = sub.items.data[0]?.current_period_end as number;
    await advance(clock.id, end + 3600 + 60);
    const pastDue = await stripe.subscriptions.retrieve(sub.id);
    expect(pastDue.status).toBe("past_due");
    expect((await eventTypesFor(stripe, customer.id)).slice(-8)).toEqual([
      "invoice.updated",
      "invoice.finalized",
      "payment_intent.created",
      "charge.failed",
      "payment_intent.payment_failed",
      "invoice.updated",
      "invoice.payment_failed",
      "customer.subscription.updated",
    ]);
    const failedEvent = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data[0] as Stripe.Event;
    expect(failedEvent.data.previous_attributes).toEqual({ status: "active" });
    // The flag declined one charge only; the retry on the next advance goes through.
    await advance(clock.id, end + 2 * DAY);
    const back = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(back.status).toBe("active");
    expect(back.latest_invoice).toMatchObject({ status: "paid", attempt_count: 2 });
    expect((await eventTypesFor(stripe, customer.id)).slice(-3)).toEqual([
      "invoice.payment_succeeded",
      "invoice_payment.paid",
      "customer.subscription.updated",
    ]);
  });

  it("cancel_at_period_end cancels at the period end", async () => {
    const { clock, customer, pm } = await clockedCustomer("ape@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      default_payment_method: pm as string,
    });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const end = sub.items.data[0]?.current_period_end as number;
    await advance(clock.id, end - DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    await advance(clock.id, end + DAY);
    const done = await stripe.subscriptions.retrieve(sub.id);
    expect(done).toMatchObject({ status: "canceled", ended_at: end });
    expect((await eventTypesFor(stripe, customer.id)).at(-1)).toBe("customer.subscription.deleted");
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
  });

  it("a clock can be attached to an existing customer through the control API", async () => {
    const customer = await stripe.customers.create({ email: "attach@example.com", payment_method: "pm_card_visa" });
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    await control().attachClock(customer.id, clock.id);
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ test_clock: clock.id });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
    expect(sub.start_date).toBe(T0);
    await advance(clock.id, (sub.items.data[0]?.current_period_end as number) + 10);
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(2);
  });
});
