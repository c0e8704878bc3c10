// Every object we return must carry every top-level field of Stripe's fixture for
// its resource with the same JSON type. Where we return null and the fixture has a
// value, the field must be on the explicit list below (each is nullable in Stripe's
// API reference), so a new unexplained null fails the test.
import { readFileSync } from "node:fs";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, makePrice, stripeClient } from "./helpers";

const fixtures = JSON.parse(readFileSync(new URL("../fixtures/fixtures3.json", import.meta.url), "utf8")) as {
  resources: Record<string, Record<string, unknown>>;
};
const stripe = stripeClient();

const ALLOWED_NULLS: Record<string, string[]> = {
  customer: ["address", "currency", "discount", "shipping"],
  product: ["default_price", "package_dimensions", "description"],
  price: ["custom_unit_amount", "transform_quantity"],
  "checkout.session": [
    "after_expiration", "consent", "consent_collection", "payment_method_configuration_details",
    "saved_payment_method_options", "shipping_address_collection", "shipping_cost", "collected_information",
    "permissions", "wallet_options", "currency_conversion", "managed_payments", "payment_intent", "invoice_creation", "url",
  ],
  subscription: [
    "billing_cycle_anchor_config", "cancel_at", "canceled_at", "ended_at", "next_pending_invoice_item_invoice",
    "pause_collection", "pending_invoice_item_interval", "pending_update", "transfer_data", "trial_end", "trial_start",
    "billing_thresholds", "managed_payments",
  ],
  subscription_item: ["billing_thresholds"],
  invoice: [
    "customer_address", "customer_shipping", "due_date", "from_invoice", "last_finalization_error", "rendering",
    "shipping_cost", "shipping_details", "webhooks_delivered_at", "next_payment_attempt",
  ],
  line_item: [],
  item: ["adjustable_quantity"],
  payment_intent: [
    "automatic_payment_methods", "canceled_at", "last_payment_error", "next_action", "payment_method_configuration_details",
    "processing", "shipping", "transfer_data", "managed_payments",
  ],
  payment_method: [],
  charge: ["shipping", "transfer_data", "source", "receipt_url", "description"],
  refund: [],
  "billing_portal.session": ["flow"],
  event: [],
  "test_helpers.test_clock": [],
};

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function compare(resource: string, ours: Record<string, unknown>) {
  const fixture = fixtures.resources[resource];
  if (!fixture) throw new Error(`no fixture ${resource}`);
  const missing: string[] = [];
  const mismatched: string[] = [];
  const nulled: string[] = [];
  for (const [key, fv] of Object.entries(fixture)) {
    if (!(key in ours)) {
      missing.push(key);
      continue;
    }
    const ov = ours[key];
    if (fv === null) continue;
    if (ov === null) {
      nulled.push(key);
      continue;
    }
    if (jsonType(fv) !== jsonType(ov)) mismatched.push(`${key}: fixture ${jsonType(fv)}, ours ${jsonType(ov)}`);
  }
  return { missing, mismatched, unexplainedNulls: nulled.filter((k) => !(ALLOWED_NULLS[resource] ?? []).includes(k)) };
}

const samples: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  const price = await makePrice(stripe, { unit_amount: 1200 });
  const once = await makePrice(stripe, { unit_amount: 3000, recurring: false });
  const customer = await stripe.customers.create({ email: "shape@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 2 }],
    success_url: "http://x/ok",
    cancel_url: "http://x/no",
  });
  await control().pay(session.url as string);
  const done = await stripe.checkout.sessions.retrieve(session.id);
  const sub = await stripe.subscriptions.retrieve(done.subscription as string);
  const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
  const pay = await stripe.checkout.sessions.create({ mode: "payment", customer: customer.id, line_items: [{ price: once.id, quantity: 1 }], success_url: "http://x/ok" });
  await control().pay(pay.url as string);
  const pi = (await stripe.paymentIntents.list({ customer: customer.id })).data[0] as Stripe.PaymentIntent;
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
  const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "http://x/back" });
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_790_000_000 });
  const event = (await stripe.events.list({ limit: 1 })).data[0] as Stripe.Event;
  Object.assign(samples, {
    customer: await stripe.customers.retrieve(customer.id),
    product: await stripe.products.retrieve(price.product as string),
    price,
    "checkout.session": done,
    subscription: sub,
    subscription_item: await stripe.subscriptionItems.retrieve(sub.items.data[0]?.id as string),
    invoice,
    line_item: invoice.lines.data[0],
    item: (await stripe.checkout.sessions.listLineItems(session.id)).data[0],
    payment_intent: pi,
    payment_method: await stripe.paymentMethods.retrieve(pi.payment_method as string),
    charge: await stripe.charges.retrieve(pi.latest_charge as string),
    refund,
    "billing_portal.session": portal,
    event,
    "test_helpers.test_clock": clock,
  });
});

describe("object shapes match Stripe's fixtures", () => {
  for (const resource of Object.keys(ALLOWED_NULLS)) {
    it(resource, () => {
      const ours = samples[resource];
      expect(ours, `no sample for ${resource}`).toBeDefined();
      const o = ours as Record<string, unknown> & { lastResponse?: unknown };
      const { lastResponse: _lr, ...sdkView } = o;
      // JSON round trip: the SDK turns *_decimal strings into Decimal objects.
      const plain = JSON.parse(JSON.stringify(sdkView)) as Record<string, unknown>;
      expect(plain.object).toBe(fixtures.resources[resource]?.object);
      expect(plain.livemode).toBe(false);
      expect(compare(resource, plain)).toEqual({ missing: [], mismatched: [], unexplainedNulls: [] });
    });
  }

  it("uses Stripe's id prefixes", () => {
    const prefixes: Record<string, string> = {
      customer: "cus_", product: "prod_", price: "price_", "checkout.session": "cs_test_", subscription: "sub_",
      subscription_item: "si_", invoice: "in_", line_item: "il_", payment_intent: "pi_", payment_method: "pm_",
      charge: "ch_", refund: "re_", "billing_portal.session": "bps_", event: "evt_", "test_helpers.test_clock": "clock_",
    };
    for (const [resource, prefix] of Object.entries(prefixes)) expect(String(samples[resource]?.id)).toMatch(new RegExp(`^${prefix}`));
  });

  it("the comparison itself catches a missing field and a wrong type", () => {
    const customer = { ...(samples.customer as Record<string, unknown>) };
    delete customer.email;
    customer.balance = "0";
    const r = compare("customer", customer);
    expect(r.missing).toEqual(["email"]);
    expect(r.mismatched).toEqual(["balance: fixture number, ours string"]);
  });
});
