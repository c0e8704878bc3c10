// One sample of every resource the emulator serves, checked against the JSON Schema
// generated from the pinned SDK's types (schema-gen.ts). setup-schema.ts checks every
// response and event of the suite the same way; this file names each resource once,
// and proves the check itself catches a missing field, an extra field and a wrong enum.
import { readFileSync } from "node:fs";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, makePrice, stripeClient } from "./helpers";
import { stripeSchema, validateStripeBody } from "./schema-check";

const stripe = stripeClient();

const RESOURCES = [
  "customer",
  "product",
  "price",
  "checkout.session",
  "subscription",
  "subscription_item",
  "invoice",
  "line_item",
  "item",
  "payment_intent",
  "payment_method",
  "charge",
  "refund",
  "billing_portal.session",
  "event",
  "test_helpers.test_clock",
  "entitlements.feature",
  "product_feature",
  "entitlements.active_entitlement",
] as const;

const samples: Record<string, Record<string, unknown>> = {};

/** The JSON Stripe would have sent: the SDK adds lastResponse and wraps *_decimal strings. */
const plain = (o: unknown) => {
  const { lastResponse: _lr, ...rest } = o as Record<string, unknown> & { lastResponse?: unknown };
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
};

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
  const pay = await stripe.checkout.sessions.create({
    mode: "payment",
    customer: customer.id,
    line_items: [{ price: once.id, quantity: 1 }],
    success_url: "http://x/ok",
  });
  await control().pay(pay.url as string);
  const pi = (await stripe.paymentIntents.list({ customer: customer.id })).data[0] as Stripe.PaymentIntent;
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
  const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "http://x/back" });
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_790_000_000 });
  const feature = await stripe.entitlements.features.create({ name: "Shape feature", lookup_key: "shape_feature" });
  const productFeature = await stripe.products.createFeature(price.product as string, { entitlement_feature: feature.id });
  const entitlement = (await stripe.entitlements.activeEntitlements.list({ customer: customer.id })).data[0];
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
    "entitlements.feature": feature,
    product_feature: productFeature,
    "entitlements.active_entitlement": entitlement,
  });
});

describe("objects follow the pinned SDK's API version field for field", () => {
  for (const resource of RESOURCES) {
    it(resource, () => {
      const ours = samples[resource];
      expect(ours, `no sample for ${resource}`).toBeDefined();
      const body = plain(ours);
      expect(body.object).toBe(resource);
      expect(validateStripeBody(body)).toEqual([]);
    });
  }

  it("the schema is generated for the version the emulator claims", async () => {
    const { API_VERSION } = await import("../src/objects");
    expect(stripeSchema().apiVersion).toBe(API_VERSION);
    const pkg = JSON.parse(readFileSync(new URL("../../../node_modules/stripe/package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(stripeSchema().sdkVersion).toBe(pkg.version);
  });

  it("uses Stripe's id prefixes", () => {
    const prefixes: Record<string, string> = {
      customer: "cus_",
      product: "prod_",
      price: "price_",
      "checkout.session": "cs_test_",
      subscription: "sub_",
      subscription_item: "si_",
      invoice: "in_",
      line_item: "il_",
      payment_intent: "pi_",
      payment_method: "pm_",
      charge: "ch_",
      refund: "re_",
      "billing_portal.session": "bps_",
      event: "evt_",
      "test_helpers.test_clock": "clock_",
      "entitlements.feature": "feat_",
      product_feature: "prodft_",
      "entitlements.active_entitlement": "ent_",
    };
    for (const [resource, prefix] of Object.entries(prefixes)) expect(String(samples[resource]?.id)).toMatch(new RegExp(`^${prefix}`));
  });

  it("the check itself catches a missing required field, a field the version lacks and an old enum value", () => {
    const sub = plain(samples.subscription);
    delete (sub.invoice_settings as Record<string, unknown>).footer;
    const invoice = { ...plain(samples.invoice), subscription: "sub_123" };
    const session = { ...plain(samples["checkout.session"]), ui_mode: "hosted" };
    expect(validateStripeBody(sub)).toEqual(["subscription /invoice_settings misses required field footer"]);
    expect(validateStripeBody(invoice)).toEqual(["invoice / has a field the API version does not: subscription"]);
    expect(validateStripeBody(session)[0]).toMatch(/^checkout\.session \/ui_mode is "hosted", not one of .*"hosted_page"/);
  });
});
