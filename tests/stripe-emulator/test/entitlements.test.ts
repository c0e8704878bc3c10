// Entitlements: features, their attachment to products, and a customer's active entitlements.
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
});

describe("features", () => {
  it("creates, retrieves, updates and lists a feature", async () => {
    const feature = await stripe.entitlements.features.create({ name: "SSO", lookup_key: "sso", metadata: { tier: "pro" } });
    expect(feature).toMatchObject({
      object: "entitlements.feature",
      name: "SSO",
      lookup_key: "sso",
      active: true,
      livemode: false,
      metadata: { tier: "pro" },
    });
    expect(feature.id).toMatch(/^feat_/);
    expect(await stripe.entitlements.features.retrieve(feature.id)).toMatchObject({ id: feature.id, name: "SSO" });
    const renamed = await stripe.entitlements.features.update(feature.id, { name: "Single sign-on", metadata: { tier: "", owner: "it" } });
    expect(renamed).toMatchObject({ name: "Single sign-on", lookup_key: "sso", metadata: { owner: "it" } });
    expect((await stripe.entitlements.features.list({ lookup_key: "sso" })).data.map((f) => f.id)).toEqual([feature.id]);
    expect((await stripe.entitlements.features.list({ lookup_key: "nope" })).data).toEqual([]);
  });

  it("refuses a missing name or lookup key, a key over 80 characters, an unknown id", async () => {
    await expect(stripe.entitlements.features.create({ name: "X" } as Stripe.Entitlements.FeatureCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "lookup_key",
    });
    await expect(stripe.entitlements.features.create({ lookup_key: "x" } as Stripe.Entitlements.FeatureCreateParams)).rejects.toMatchObject(
      { statusCode: 400, code: "parameter_missing", param: "name" },
    );
    await expect(stripe.entitlements.features.create({ name: "Long", lookup_key: "k".repeat(81) })).rejects.toMatchObject({
      statusCode: 400,
      param: "lookup_key",
    });
    await expect(stripe.entitlements.features.retrieve("feat_test_missing")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      message: "No such feature: 'feat_test_missing'",
    });
  });

  it("a lookup key is unique among active features; archiving frees it, and an archived feature is listed only on request", async () => {
    const first = await stripe.entitlements.features.create({ name: "Exports", lookup_key: "exports" });
    await expect(stripe.entitlements.features.create({ name: "Exports again", lookup_key: "exports" })).rejects.toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      param: "lookup_key",
    });
    const archived = await stripe.entitlements.features.update(first.id, { active: false });
    expect(archived.active).toBe(false);
    await expect(stripe.entitlements.features.update(first.id, { name: "Back" })).rejects.toMatchObject({ statusCode: 400 });
    const second = await stripe.entitlements.features.create({ name: "Exports v2", lookup_key: "exports" });
    expect((await stripe.entitlements.features.list({ lookup_key: "exports" })).data.map((f) => f.id)).toEqual([second.id]);
    expect((await stripe.entitlements.features.list({ lookup_key: "exports", archived: true })).data.map((f) => f.id)).toEqual([first.id]);
  });

  it("paginates newest first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stripe.entitlements.features.create({ name: `Page ${i}`, lookup_key: `page_${i}` })).id);
    const page1 = await stripe.entitlements.features.list({ limit: 2 });
    expect(page1.data.map((f) => f.id)).toEqual([ids[2], ids[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.entitlements.features.list({ limit: 1, starting_after: ids[1] });
    expect(page2.data.map((f) => f.id)).toEqual([ids[0]]);
  });
});

describe("product features", () => {
  it("attaches, lists, retrieves and deletes a feature on a product", async () => {
    const product = await stripe.products.create({ name: "Team" });
    const feature = await stripe.entitlements.features.create({ name: "Audit log", lookup_key: "audit_log" });
    const pf = await stripe.products.createFeature(product.id, { entitlement_feature: feature.id });
    expect(pf).toMatchObject({
      object: "product_feature",
      livemode: false,
      entitlement_feature: { id: feature.id, lookup_key: "audit_log" },
    });
    expect(pf.id).toMatch(/^prodft_/);
    // The attached feature is rendered as it is now.
    await stripe.entitlements.features.update(feature.id, { name: "Audit trail" });
    expect((await stripe.products.retrieveFeature(product.id, pf.id)).entitlement_feature.name).toBe("Audit trail");
    expect((await stripe.products.listFeatures(product.id)).data.map((f) => f.id)).toEqual([pf.id]);
    const deleted = await stripe.products.deleteFeature(product.id, pf.id);
    expect(deleted).toMatchObject({ id: pf.id, object: "product_feature", deleted: true });
    expect((await stripe.products.listFeatures(product.id)).data).toEqual([]);
    await expect(stripe.products.retrieveFeature(product.id, pf.id)).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
    await expect(stripe.products.deleteFeature(product.id, pf.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("refuses the same feature twice, an unknown or archived feature, an unknown product, another product's attachment", async () => {
    const product = await stripe.products.create({ name: "Solo" });
    const other = await stripe.products.create({ name: "Other" });
    const feature = await stripe.entitlements.features.create({ name: "API", lookup_key: "api" });
    const pf = await stripe.products.createFeature(product.id, { entitlement_feature: feature.id });
    await expect(stripe.products.createFeature(product.id, { entitlement_feature: feature.id })).rejects.toMatchObject({
      statusCode: 400,
      param: "entitlement_feature",
    });
    // The same feature on another product is fine.
    await stripe.products.createFeature(other.id, { entitlement_feature: feature.id });
    await expect(stripe.products.retrieveFeature(other.id, pf.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(stripe.products.createFeature(product.id, { entitlement_feature: "feat_test_nope" })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "entitlement_feature",
    });
    await expect(stripe.products.createFeature(product.id, {} as Stripe.ProductCreateFeatureParams)).rejects.toMatchObject({
      code: "parameter_missing",
      param: "entitlement_feature",
    });
    await expect(stripe.products.createFeature("prod_nope", { entitlement_feature: feature.id })).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
    const archived = await stripe.entitlements.features.create({ name: "Old", lookup_key: "old" });
    await stripe.entitlements.features.update(archived.id, { active: false });
    await expect(stripe.products.createFeature(product.id, { entitlement_feature: archived.id })).rejects.toMatchObject({
      statusCode: 400,
      param: "entitlement_feature",
    });
  });
});

describe("active entitlements", () => {
  async function payingCustomer(email: string) {
    const customer = await stripe.customers.create({ email, payment_method: "pm_card_visa" });
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
    return { customer, pm };
  }

  it("lists the features of the products of the customer's live subscriptions, and loses them when it ends", async () => {
    const price = await makePrice(stripe, { name: "Pro", unit_amount: 1000 });
    const feature = await stripe.entitlements.features.create({ name: "Reports", lookup_key: "reports" });
    const unrelated = await stripe.entitlements.features.create({ name: "Unrelated", lookup_key: "unrelated" });
    await stripe.products.createFeature(price.product as string, { entitlement_feature: feature.id });
    await stripe.products.createFeature((await stripe.products.create({ name: "Else" })).id, { entitlement_feature: unrelated.id });
    const { customer, pm } = await payingCustomer("ent@example.com");
    expect((await stripe.entitlements.activeEntitlements.list({ customer: customer.id })).data).toEqual([]);

    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm });
    expect(sub.status).toBe("active");
    const list = await stripe.entitlements.activeEntitlements.list({ customer: customer.id });
    expect(list.data).toHaveLength(1);
    const ent = list.data[0] as Stripe.Entitlements.ActiveEntitlement;
    expect(ent).toMatchObject({ object: "entitlements.active_entitlement", feature: feature.id, lookup_key: "reports", livemode: false });
    expect(ent.id).toMatch(/^ent_/);
    // The same entitlement keeps its id; expand gives the feature.
    const again = await stripe.entitlements.activeEntitlements.list({ customer: customer.id, expand: ["data.feature"] });
    expect(again.data[0]).toMatchObject({ id: ent.id, feature: { id: feature.id, object: "entitlements.feature" } });

    await stripe.subscriptions.cancel(sub.id);
    expect((await stripe.entitlements.activeEntitlements.list({ customer: customer.id })).data).toEqual([]);
  });

  it("a trialing subscription entitles; an incomplete one does not", async () => {
    const price = await makePrice(stripe, { name: "Trial plan", unit_amount: 900 });
    const feature = await stripe.entitlements.features.create({ name: "Trial feature", lookup_key: "trial_feature" });
    await stripe.products.createFeature(price.product as string, { entitlement_feature: feature.id });
    const c = await stripe.customers.create({ email: "trial-ent@example.com" });
    const incomplete = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] });
    expect(incomplete.status).toBe("incomplete");
    expect((await stripe.entitlements.activeEntitlements.list({ customer: c.id })).data).toEqual([]);
    await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], trial_period_days: 7 });
    expect((await stripe.entitlements.activeEntitlements.list({ customer: c.id })).data.map((e) => e.lookup_key)).toEqual([
      "trial_feature",
    ]);
  });

  it("needs an existing customer", async () => {
    await expect(stripe.entitlements.activeEntitlements.list({} as Stripe.Entitlements.ActiveEntitlementListParams)).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "customer",
    });
    await expect(stripe.entitlements.activeEntitlements.list({ customer: "cus_nope" })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "customer",
    });
  });
});
