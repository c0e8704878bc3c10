// Subscriptions, subscription items, invoices (incl. preview), refunds and the portal.
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, emulatorUrl, eventTypesFor, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();
let monthly: Stripe.Price;
let yearly: Stripe.Price;
let oneTime: Stripe.Price;

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  monthly = await makePrice(stripe, { unit_amount: 1000, name: "Seat" });
  yearly = await makePrice(stripe, { unit_amount: 10000, interval: "year", name: "Seat yearly" });
  oneTime = await makePrice(stripe, { unit_amount: 2500, recurring: false, name: "Setup" });
});

/** A customer with a saved card set as invoice default. */
async function payingCustomer(email: string): Promise<{ customer: Stripe.Customer; pm: string }> {
  const customer = await stripe.customers.create({ email, payment_method: "pm_card_visa" });
  const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
  const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } });
  return { customer: updated, pm };
}

describe("subscriptions", () => {
  it("creates with a payment method: active, paid invoice, items with periods", async () => {
    const { customer, pm } = await payingCustomer("sub@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 2 }],
      default_payment_method: pm,
      metadata: { account: "a1" },
      expand: ["latest_invoice"],
    });
    expect(sub).toMatchObject({ status: "active", customer: customer.id, metadata: { account: "a1" }, cancel_at_period_end: false });
    expect(sub.id).toMatch(/^sub_/);
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    expect(item.id).toMatch(/^si_/);
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * 86400);
    const inv = sub.latest_invoice as Stripe.Invoice;
    expect(inv).toMatchObject({ status: "paid", amount_paid: 2000, total: 2000 });
    expect(inv.lines.data[0]).toMatchObject({ amount: 2000, quantity: 2, object: "line_item" });
    expect(inv.lines.data[0]?.id).toMatch(/^il_/);
    expect(inv.parent?.subscription_details?.subscription).toBe(sub.id);
    expect((await stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([sub.id]);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "active" })).data).toHaveLength(1);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "canceled" })).data).toHaveLength(0);
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }] })).rejects.toMatchObject({
      statusCode: 400,
      param: "items[0][price]",
    });
    await expect(stripe.subscriptions.create({ customer: customer.id })).rejects.toMatchObject({
      code: "parameter_missing",
      param: "items",
    });
  });

  it("without a payment method and no trial the subscription is incomplete; with a trial it is trialing", async () => {
    const c = await stripe.customers.create({ email: "nopm@example.com" });
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] });
    expect(sub.status).toBe("incomplete");
    const trial = await stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: monthly.id }],
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    });
    expect(trial).toMatchObject({ status: "trialing", trial_settings: { end_behavior: { missing_payment_method: "cancel" } } });
    await expect(
      stripe.subscriptions.create({
        customer: c.id,
        items: [{ price: monthly.id }],
        trial_settings: { end_behavior: { missing_payment_method: "explode" } },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "trial_settings[end_behavior][missing_payment_method]" });
  });

  it("updates quantity and price with proration behaviours, and cancel_at_period_end", async () => {
    const { customer, pm } = await payingCustomer("upd@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 1 }],
      default_payment_method: pm,
    });
    const itemId = sub.items.data[0]?.id as string;
    const more = await stripe.subscriptions.update(sub.id, { items: [{ id: itemId, quantity: 5 }], proration_behavior: "none" });
    expect(more.items.data[0]?.quantity).toBe(5);
    const invoicesBefore = (await stripe.invoices.list({ subscription: sub.id })).data.length;
    const billed = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, quantity: 6 }],
      proration_behavior: "always_invoice",
    });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.length).toBe(invoicesBefore + 1);
    const prorated = invoices.data[0] as Stripe.Invoice;
    expect(prorated.billing_reason).toBe("subscription_update");
    expect(prorated.lines.data.map((l) => Math.sign(l.amount))).toEqual([-1, 1]);
    expect(prorated.total).toBeGreaterThan(0);
    expect(prorated.total).toBeLessThanOrEqual(1000);
    expect(billed.latest_invoice).toBe(prorated.id);
    const swapped = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, price: yearly.id }],
      proration_behavior: "create_prorations",
    });
    expect(swapped.items.data[0]?.price.id).toBe(yearly.id);
    const ending = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(ending).toMatchObject({ cancel_at_period_end: true, status: "active" });
    expect(ending.cancel_at).toBe(ending.items.data[0]?.current_period_end);
    const updates = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data[0] as Stripe.Event;
    expect(updates.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: "si_nope", quantity: 2 }] })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "items[0][id]",
    });
  });

  it("an upgrade with always_invoice + error_if_incomplete is refused with 402 when the card declines", async () => {
    const { customer, pm } = await payingCustomer("upgrade-decline@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 1 }],
      default_payment_method: pm,
    });
    const itemId = sub.items.data[0]?.id as string;
    await control().declineNextPayment(customer.id, true, 2);
    const refused = await stripe.subscriptions
      .update(sub.id, {
        items: [{ id: itemId, quantity: 3 }],
        proration_behavior: "always_invoice",
        payment_behavior: "error_if_incomplete",
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ statusCode: 402, type: "StripeCardError", code: "card_declined" });
    // Like Stripe's, the card error names the failed charge, its payment intent and the card.
    const raw = (refused as Stripe.errors.StripeCardError).raw as {
      charge?: string;
      payment_intent?: Stripe.PaymentIntent;
      payment_method?: Stripe.PaymentMethod;
    };
    expect(raw.charge).toMatch(/^ch_/);
    expect(raw.payment_intent).toMatchObject({ object: "payment_intent", status: "requires_payment_method", latest_charge: raw.charge });
    expect(raw.payment_method).toMatchObject({ id: pm, object: "payment_method" });
    expect((await stripe.charges.retrieve(raw.charge as string)).status).toBe("failed");
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(1);
    // Without error_if_incomplete the change applies and the subscription goes past_due.
    const applied = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, quantity: 3 }],
      proration_behavior: "always_invoice",
    });
    expect(applied).toMatchObject({ status: "past_due" });
    expect(applied.items.data[0]?.quantity).toBe(3);
    await control().declineNextPayment(customer.id, false);
    await stripe.invoices.pay(applied.latest_invoice as string);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("cancels with DELETE and emits customer.subscription.deleted", async () => {
    const { customer, pm } = await payingCustomer("del@example.com");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled).toMatchObject({ status: "canceled" });
    expect(canceled.ended_at).toBeTypeOf("number");
    const types = await eventTypesFor(stripe, customer.id);
    expect(types.at(-1)).toBe("customer.subscription.deleted");
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(1);
    await expect(stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("subscription items", () => {
  it("retrieves, updates quantity and lists by subscription", async () => {
    const { customer, pm } = await payingCustomer("items@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 2 }],
      default_payment_method: pm,
    });
    const id = sub.items.data[0]?.id as string;
    expect(await stripe.subscriptionItems.retrieve(id)).toMatchObject({
      id,
      quantity: 2,
      subscription: sub.id,
      object: "subscription_item",
    });
    const up = await stripe.subscriptionItems.update(id, { quantity: 4, proration_behavior: "none" });
    expect(up.quantity).toBe(4);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(4);
    const list = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(list.data.map((i) => i.id)).toEqual([id]);
    await expect(stripe.subscriptionItems.list({} as Stripe.SubscriptionItemListParams)).rejects.toMatchObject({ param: "subscription" });
  });
});

describe("invoices", () => {
  it("previews a quantity change with proration lines from the remaining time", async () => {
    const { customer, pm } = await payingCustomer("preview@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 2 }],
      default_payment_method: pm,
    });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const total = item.current_period_end - item.current_period_start;
    const at = item.current_period_start + Math.floor(total / 2);
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, quantity: 4 }], proration_behavior: "always_invoice", proration_date: at },
    });
    const remaining = item.current_period_end - at;
    const credit = -Math.round((1000 * 2 * remaining) / total);
    const debit = Math.round((1000 * 4 * remaining) / total);
    expect(preview.lines.data.map((l) => l.amount)).toEqual([credit, debit]);
    expect(preview.total).toBe(credit + debit);
    expect(preview.lines.data.every((l) => l.parent?.subscription_item_details?.proration === true)).toBe(true);
    const next = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, quantity: 3 }], proration_behavior: "create_prorations", proration_date: at },
    });
    expect(next.lines.data).toHaveLength(3);
    expect(next.lines.data[2]?.amount).toBe(3000);
    // The preview changed nothing.
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(2);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it("a preview and the update with one proration_date bill the same, however far the clock moved in between", async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
    const customer = await stripe.customers.create({
      email: "same-date@example.com",
      payment_method: "pm_card_visa",
      test_clock: clock.id,
    });
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 2 }],
      default_payment_method: pm,
    });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const at = item.current_period_start + 86400;
    const change = { items: [{ id: item.id, quantity: 5 }], proration_behavior: "always_invoice" as const };
    const preview = await stripe.invoices.createPreview({ subscription: sub.id, subscription_details: { ...change, proration_date: at } });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 6 * 86400 });
    const asOfNow = await stripe.invoices.createPreview({ subscription: sub.id, subscription_details: change });
    expect(asOfNow.amount_due).toBeLessThan(preview.amount_due);
    const updated = await stripe.subscriptions.update(sub.id, { ...change, proration_date: at });
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    expect(invoice.amount_due).toBe(preview.amount_due);
    expect(invoice.lines.data.map((l) => l.amount)).toEqual(preview.lines.data.map((l) => l.amount));
    // Stripe prorates only inside the current period, in the preview and in the update.
    const outside = item.current_period_end + 60;
    await expect(
      stripe.invoices.createPreview({ subscription: sub.id, subscription_details: { ...change, proration_date: outside } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: "subscription_details[proration_date]",
      message: "Cannot specify proration date outside of current subscription period",
    });
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ id: item.id, quantity: 6 }], proration_date: item.current_period_start - 60 }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: "proration_date",
    });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(5);
  });

  it("previews the first invoice of a subscription the customer does not have yet", async () => {
    const { customer } = await payingCustomer("new-sub-preview@example.com");
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription_details: { items: [{ price: monthly.id, quantity: 3 }, { price: yearly.id }] },
    });
    expect(preview).toMatchObject({ customer: customer.id, amount_due: 3 * 1000 + 10000, parent: null, billing_reason: "upcoming" });
    expect(preview.lines.data.map((l) => [l.amount, l.quantity])).toEqual([
      [3000, 3],
      [10000, 1],
    ]);
    expect(preview.period_end - preview.period_start).toBeGreaterThanOrEqual(28 * 86400);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(0);
    await expect(stripe.invoices.createPreview({ subscription_details: { items: [{ price: monthly.id }] } })).rejects.toMatchObject({
      code: "parameter_missing",
      param: "customer",
    });
    await expect(
      stripe.invoices.createPreview({ customer: customer.id, subscription_details: { items: [{ price: oneTime.id }] } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: "subscription_details[items][0][price]",
    });
  });

  it("lists by customer/subscription, pays an open invoice, and a declined charge is a 402 card_error", async () => {
    const { customer, pm } = await payingCustomer("pay@example.com");
    // Three declines: the creation charge, the manual pay, the error_if_incomplete create.
    await control().declineNextPayment(customer.id, true, 3);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: pm });
    expect(sub.status).toBe("incomplete");
    const inv = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(inv).toMatchObject({ status: "open", attempt_count: 1 });
    expect((await stripe.invoices.list({ customer: customer.id, status: "open" })).data.map((i) => i.id)).toEqual([inv.id]);
    await expect(stripe.invoices.pay(inv.id)).rejects.toMatchObject({
      statusCode: 402,
      type: "StripeCardError",
      code: "card_declined",
      decline_code: "generic_decline",
    });
    await expect(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], payment_behavior: "error_if_incomplete" }),
    ).rejects.toMatchObject({ statusCode: 402, code: "card_declined", charge: expect.stringMatching(/^ch_/) });
    const paid = await stripe.invoices.pay(inv.id);
    expect(paid.status).toBe("paid");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    const lines = await stripe.invoices.listLineItems(inv.id);
    expect(lines.data[0]?.amount).toBe(1000);
    const types = await eventTypesFor(stripe, customer.id);
    expect(types.slice(-16)).toEqual([
      // invoices.pay, declined
      "payment_intent.created",
      "charge.failed",
      "payment_intent.payment_failed",
      "invoice.updated",
      "invoice.payment_failed",
      // the error_if_incomplete create, declined: no subscription, no invoice
      "payment_intent.created",
      "charge.failed",
      "payment_intent.payment_failed",
      // invoices.pay, paid
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "invoice.updated",
      "invoice.paid",
      "invoice.payment_succeeded",
      "invoice_payment.paid",
      "customer.subscription.updated",
    ]);
    await expect(stripe.invoices.pay(inv.id)).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("payment intents, charges and refunds", () => {
  it("refunds partially then fully, updating the charge and emitting charge.refunded", async () => {
    const c = await stripe.customers.create({ email: "refund@example.com" });
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: c.id,
      line_items: [{ price: oneTime.id, quantity: 2 }],
      success_url: "http://x/ok",
    });
    await control().pay(s.url as string);
    const pi = (await stripe.paymentIntents.list({ customer: c.id })).data[0] as Stripe.PaymentIntent;
    expect(await stripe.paymentIntents.retrieve(pi.id)).toMatchObject({ status: "succeeded", amount: 5000 });
    const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 1500 });
    expect(partial).toMatchObject({ amount: 1500, status: "succeeded", payment_intent: pi.id, charge: pi.latest_charge });
    expect(partial.id).toMatch(/^re_/);
    let charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 1500, refunded: false });
    await expect(stripe.refunds.create({ charge: charge.id, amount: 4000 })).rejects.toMatchObject({ statusCode: 400, param: "amount" });
    const rest = await stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(3500);
    charge = await stripe.charges.retrieve(charge.id);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });
    expect((await stripe.refunds.retrieve(rest.id)).amount).toBe(3500);
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    expect((await stripe.charges.list({ payment_intent: pi.id })).data.map((x) => x.id)).toEqual([charge.id]);
    const refunded = await stripe.events.list({ type: "charge.refunded", limit: 2 });
    expect(refunded.data.map((e) => (e.data.object as Stripe.Charge).amount_refunded)).toEqual([5000, 1500]);
    expect(refunded.data[0]?.data.previous_attributes).toMatchObject({ amount_refunded: 1500, refunded: false });
    await expect(stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.refunds.create({})).rejects.toMatchObject({ code: "parameter_missing" });
  });
});

describe("payment methods", () => {
  it("attaches a payment method and lists it by customer", async () => {
    const c = await stripe.customers.create({ email: "attach-pm@example.com" });
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: c.id });
    expect(pm).toMatchObject({ object: "payment_method", customer: c.id, type: "card", card: { last4: "4242" } });
    expect((await stripe.paymentMethods.list({ customer: c.id })).data.map((x) => x.id)).toEqual([pm.id]);
    expect((await stripe.customers.listPaymentMethods(c.id)).data.map((x) => x.id)).toEqual([pm.id]);
    await expect(stripe.paymentMethods.retrieve("pm_missing")).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("billing portal", () => {
  it("creates a session whose page changes quantity and cancels, emitting the events", async () => {
    const { customer, pm } = await payingCustomer("portal@example.com");
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id, quantity: 2 }],
      default_payment_method: pm,
    });
    const itemId = sub.items.data[0]?.id as string;
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "http://127.0.0.1:8787/account" });
    expect(session.id).toMatch(/^bps_/);
    expect(session.url.startsWith(emulatorUrl())).toBe(true);
    const html = await (await fetch(session.url)).text();
    expect(html).toContain(sub.id);
    expect(html).toMatch(/<label for="qty-si_[^"]+">New quantity<\/label>/);
    expect(html).toContain('href="http://127.0.0.1:8787/account">Return</a>');
    const q = await control().portal(session.url, { action: "update_quantity", subscription: sub.id, item: itemId, quantity: "5" });
    expect(q.status).toBe(303);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(5);
    const upd = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data[0] as Stripe.Event;
    expect((upd.data.object as Stripe.Subscription).items.data[0]?.quantity).toBe(5);
    const prevItems = (upd.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> }).items;
    expect(prevItems.data[0]?.quantity).toBe(2);
    expect(
      (await control().portal(session.url, { action: "update_quantity", subscription: sub.id, item: itemId, quantity: "0" })).status,
    ).toBe(400);
    await control().portal(session.url, { action: "cancel_at_period_end", subscription: sub.id });
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
    await control().portal(session.url, { action: "cancel_now", subscription: sub.id });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    expect((await eventTypesFor(stripe, customer.id)).slice(-5)).toEqual([
      "customer.subscription.updated",
      "invoiceitem.created",
      "invoiceitem.created",
      "customer.subscription.updated",
      "customer.subscription.deleted",
    ]);
    await expect(stripe.billingPortal.sessions.create({ customer: "cus_nope" })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "customer",
    });
  });

  it("removes one item of a subscription with several (an add-on), crediting its unused time; the last item cannot be removed", async () => {
    const { customer, pm } = await payingCustomer("portal-items@example.com");
    const addon = await makePrice(stripe, { unit_amount: 500, name: "Add-on" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [
        { price: monthly.id, quantity: 2 },
        { price: addon.id, quantity: 1 },
      ],
      default_payment_method: pm,
    });
    const [seatItem, addonItem] = sub.items.data as [Stripe.SubscriptionItem, Stripe.SubscriptionItem];
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id });
    const html = await (await fetch(session.url)).text();
    expect(html).toContain("Remove Add-on</button>");
    const removed = await control().portal(session.url, { action: "remove_item", subscription: sub.id, item: addonItem.id });
    expect(removed.status).toBe(303);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => [i.id, i.quantity])).toEqual([[seatItem.id, 2]]);
    await expect(stripe.subscriptionItems.retrieve(addonItem.id)).rejects.toMatchObject({ statusCode: 404 });
    const upd = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })).data[0] as Stripe.Event;
    expect((upd.data.object as Stripe.Subscription).items.data.map((i) => i.id)).toEqual([seatItem.id]);
    const credit = (await stripe.events.list({ type: "invoiceitem.created", limit: 1 })).data[0] as Stripe.Event;
    expect((credit.data.object as Stripe.InvoiceItem).amount).toBeLessThan(0);
    // The only item left: Stripe's portal offers no removal, and a forged one is refused.
    expect(await (await fetch(session.url)).text()).not.toContain("Remove Seat");
    expect((await control().portal(session.url, { action: "remove_item", subscription: sub.id, item: seatItem.id })).status).toBe(400);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data).toHaveLength(1);
  });
});
