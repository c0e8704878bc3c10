// Core API behaviour: auth, errors, idempotency, lists, customers, products, prices.
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { control, emulatorUrl, makePrice, stripeClient } from "./helpers";
import { recordResponse } from "./schema-check";

const stripe = stripeClient();

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${emulatorUrl()}${path}`, {
    method,
    headers: { authorization: "Bearer sk_test_raw", "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  const json = (await res.json()) as { error?: Record<string, string> } & Record<string, unknown>;
  recordResponse(`${method} ${path} -> ${res.status}`, json);
  return { status: res.status, headers: res.headers, json };
}

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
});

describe("authentication and errors", () => {
  it("rejects requests without an sk_test_ bearer key with 401", async () => {
    const res = await fetch(`${emulatorUrl()}/v1/customers`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    await expect(stripeClient("sk_live_nope").customers.list()).rejects.toMatchObject({
      statusCode: 401,
      type: "StripeAuthenticationError",
    });
    const bad = await raw("GET", "/v1/customers", undefined, { authorization: "Bearer rk_foo" });
    expect(bad.status).toBe(401);
    expect(bad.json.error?.message).toMatch(/Invalid API Key provided/);
  });

  it("names the missing and the unknown parameter", async () => {
    await expect(stripe.prices.create({ currency: "usd", product: "prod_x" })).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "unit_amount",
    });
    await expect(stripe.customers.create({ nickname: "x" } as Stripe.CustomerCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_unknown",
      param: "nickname",
    });
    await expect(stripe.checkout.sessions.create({ mode: "payment", success_url: "http://x" })).rejects.toMatchObject({
      code: "parameter_missing",
      param: "line_items",
    });
  });

  it("accepts and records a real Stripe parameter it does not model; refuses one Stripe does not have, at any depth", async () => {
    const customer = await stripe.customers.create({
      email: "addr@example.com",
      address: { line1: "1 Quay St", country: "IE" },
      preferred_locales: ["en"],
    });
    expect(customer.email).toBe("addr@example.com");
    const price = await makePrice(stripe, { unit_amount: 900 });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1, adjustable_quantity: { enabled: true, minimum: 1 } }],
      success_url: "http://x/ok",
      automatic_tax: { enabled: true },
      subscription_data: { description: "Seats", billing_cycle_anchor: 1_900_000_000 },
    });
    expect(session.mode).toBe("subscription");
    const unmodeled = await control().unmodeled();
    expect(unmodeled.map((u) => `${u.endpoint} ${u.param}`)).toEqual([
      "POST /v1/checkout/sessions automatic_tax",
      "POST /v1/checkout/sessions line_items[][adjustable_quantity]",
      "POST /v1/checkout/sessions subscription_data[billing_cycle_anchor]",
      "POST /v1/customers address",
      "POST /v1/customers preferred_locales",
    ]);
    expect(unmodeled[0]).toMatchObject({ count: 1, last_request_id: session.lastResponse.requestId });

    // Names Stripe does not have are refused as parameter_unknown, also inside real ones.
    for (const [params, param] of [
      [{ emial: "x" }, "emial"],
      [{ address: { planet: "Mars" } }, "address[planet]"],
      [{ invoice_settings: { footer_text: "x" } }, "invoice_settings[footer_text]"],
    ] as const) {
      await expect(stripe.customers.create(params as unknown as Stripe.CustomerCreateParams), param).rejects.toMatchObject({
        statusCode: 400,
        code: "parameter_unknown",
        param,
      });
    }
    await expect(
      stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ price: price.id, quantity: 1, colour: "red" } as Stripe.Checkout.SessionCreateParams.LineItem],
        success_url: "http://x",
      }),
    ).rejects.toMatchObject({ code: "parameter_unknown", param: "line_items[0][colour]" });
    expect(await control().unmodeled()).toHaveLength(5);
  });

  it("refuses an expand path Stripe would refuse, before anything runs", async () => {
    const price = await makePrice(stripe, { unit_amount: 700 });
    const customer = await stripe.customers.create({ email: "expand@example.com", payment_method: "pm_card_visa" });
    const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]?.id as string;
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const cannot = (path: string, hint = "") => ({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      message: `This property cannot be expanded (${path}).${hint}`,
    });
    await expect(stripe.customers.retrieve(customer.id, { expand: ["metadata"] })).rejects.toMatchObject(cannot("metadata"));
    await expect(stripe.customers.retrieve(customer.id, { expand: ["bogus"] })).rejects.toMatchObject(cannot("bogus"));
    // The path up to the first segment that is not there (this version's invoice has no payment_intent).
    await expect(stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice.payment_intent.customer"] })).rejects.toMatchObject(
      cannot("latest_invoice.payment_intent"),
    );
    await expect(stripe.subscriptions.list({ customer: customer.id, expand: ["customer"] })).rejects.toMatchObject(
      cannot("customer", " You may want to try expanding 'data.customer' instead."),
    );
    await expect(stripe.subscriptions.list({ customer: customer.id, expand: ["data.current_period_end"] })).rejects.toMatchObject(
      cannot("data.current_period_end"),
    );
    // No code and no param, as Stripe answers; checked before the lookup (400, not 404) and before a create writes anything.
    const bad = await raw("GET", "/v1/customers/cus_missing?expand[]=bogus");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toEqual({ type: "invalid_request_error", message: "This property cannot be expanded (bogus)." });
    const before = (await stripe.customers.list({ email: "never@example.com" })).data.length;
    await expect(stripe.customers.create({ email: "never@example.com", expand: ["nope"] })).rejects.toMatchObject(cannot("nope"));
    expect((await stripe.customers.list({ email: "never@example.com" })).data).toHaveLength(before);

    // Valid paths still expand: ids, nested ids, list items, and includable fields.
    const expanded = await stripe.subscriptions.retrieve(sub.id, {
      expand: ["customer.invoice_settings.default_payment_method", "latest_invoice.payments", "items.data.price.product"],
    });
    expect(((expanded.customer as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).id).toBe(pm);
    const invoice = expanded.latest_invoice as Stripe.Invoice;
    expect(invoice.payments?.data.map((p) => p.invoice)).toEqual([invoice.id]);
    expect((expanded.items.data[0]?.price.product as Stripe.Product).object).toBe("product");
    const listed = await stripe.subscriptions.list({ customer: customer.id, expand: ["data.customer"] });
    expect((listed.data[0]?.customer as Stripe.Customer).email).toBe("expand@example.com");
    const withSubs = await stripe.customers.retrieve(customer.id, { expand: ["subscriptions"] });
    expect((withSubs as Stripe.Customer).subscriptions?.data.map((s) => s.id)).toEqual([sub.id]);
  });

  it("returns 404 resource_missing with param id", async () => {
    await expect(stripe.customers.retrieve("cus_doesnotexist")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      param: "id",
      type: "StripeInvalidRequestError",
    });
    await expect(stripe.subscriptions.retrieve("sub_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("a missing object named in a parameter is 400 resource_missing naming that parameter", async () => {
    await expect(stripe.subscriptions.create({ customer: "cus_nope", items: [{ price: "price_x" }] })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "customer",
    });
    await expect(stripe.refunds.create({ charge: "ch_nope" })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "charge",
    });
  });

  it("uses Stripe's codes: an empty required value, a bad enum or boolean", async () => {
    const empty = await raw("POST", "/v1/products", "name=");
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: "parameter_invalid_empty", param: "name" });
    const badEnum = await raw("POST", "/v1/checkout/sessions", "mode=sometimes");
    expect(badEnum.status).toBe(400);
    expect(badEnum.json.error?.param).toBe("mode");
    expect(badEnum.json.error?.code).toBeUndefined();
    const badBool = await raw("GET", "/v1/prices?active=maybe");
    expect(badBool.json.error).toMatchObject({ type: "invalid_request_error", param: "active" });
    expect(badBool.json.error?.code).toBeUndefined();
  });

  it("never crashes on bad input", async () => {
    const unknownRoute = await raw("GET", "/v1/nonsense/thing");
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.json.error?.type).toBe("invalid_request_error");
    const garbage = await raw("POST", "/v1/customers", "%%%[[[]]]=&&&===");
    expect([400]).toContain(garbage.status);
    const huge = await raw("POST", "/v1/prices", "currency=usd&unit_amount=99999999999999999999999&product_data[name]=x");
    expect(huge.status).toBe(400);
    expect(huge.json.error?.param).toBe("unit_amount");
    const wrongType = await raw("POST", "/v1/customers", "metadata=notahash&email[x]=y");
    expect(wrongType.status).toBe(400);
    const proto = await raw("POST", "/v1/customers", "__proto__[polluted]=1");
    expect(proto.status).toBe(400);
    const jsonBody = await raw("POST", "/v1/customers", '{"email":"a@b.c"}', { "content-type": "application/json" });
    expect(jsonBody.status).toBe(400);
    const badEscape = await raw("GET", "/v1/customers/%E0%A4%A");
    expect(badEscape.status).toBe(404);
    const wrongMethod = await raw("PUT", "/v1/customers", "email=x");
    expect(wrongMethod.status).toBe(404);
    const page = await fetch(`${emulatorUrl()}/nope`);
    expect(page.status).toBe(404);
  });

  it("answers random malformed requests with 4xx envelopes, never 5xx", async () => {
    // Deterministic pseudo-random params over every create/list endpoint.
    let seed = 12345;
    const rnd = <T>(a: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return a[seed % a.length] as T;
    };
    const endpoints: [string, string][] = [
      ["POST", "/v1/customers"],
      ["GET", "/v1/customers"],
      ["POST", "/v1/prices"],
      ["GET", "/v1/prices"],
      ["POST", "/v1/checkout/sessions"],
      ["POST", "/v1/subscriptions"],
      ["GET", "/v1/subscriptions"],
      ["POST", "/v1/invoices/create_preview"],
      ["POST", "/v1/refunds"],
      ["GET", "/v1/events"],
      ["POST", "/v1/billing_portal/sessions"],
      ["POST", "/v1/test_helpers/test_clocks"],
    ];
    const keys = [
      "email",
      "metadata",
      "line_items",
      "items",
      "limit",
      "expand",
      "created",
      "mode",
      "unit_amount",
      "recurring",
      "customer",
      "subscription_details",
      "amount",
      "types",
    ];
    const suffixes = ["", "[0]", "[]", "[a]", "[0][price]", "[0][quantity]", "[gte]", "[items][0][id]"];
    const values = ["", "x", "-1", "1e99", "99999999999999999999", "true", "cus_x"];
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const [method, path] = rnd(endpoints);
      const qs = new URLSearchParams();
      for (let k = 0; k < 3; k++) qs.append(rnd(keys) + rnd(suffixes), rnd(values));
      const r = method === "GET" ? await raw("GET", `${path}?${qs.toString()}`) : await raw("POST", path, qs.toString());
      statuses.add(r.status);
      expect(r.status, `${method} ${path} ${qs.toString()}`).toBeLessThan(500);
      if (r.status >= 400) expect(r.json.error?.type).toBeTypeOf("string");
    }
    expect(statuses.has(400)).toBe(true);
  });

  it("sets Request-Id and echoes Stripe-Version", async () => {
    const r = await raw("GET", "/v1/customers", undefined, { "stripe-version": "2026-10-28.endive" });
    expect(r.headers.get("request-id")).toMatch(/^req_/);
    expect(r.headers.get("stripe-version")).toBe("2026-10-28.endive");
  });
});

describe("idempotency", () => {
  it("replays the first response for the same key and params", async () => {
    const key = `idem-${Date.now()}`;
    const a = await stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: key });
    const b = await stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.idempotencyKey).toBe(key);
    const r1 = await raw("POST", "/v1/customers", "email=raw%40example.com", { "idempotency-key": `${key}-raw` });
    const r2 = await raw("POST", "/v1/customers", "email=raw%40example.com", { "idempotency-key": `${key}-raw` });
    expect(r2.status).toBe(r1.status);
    expect(r2.json).toEqual(r1.json);
    expect(r1.headers.get("idempotent-replayed")).toBeNull();
    expect(r2.headers.get("idempotent-replayed")).toBe("true");
    const list = await stripe.customers.list({ email: "idem@example.com" });
    expect(list.data).toHaveLength(1);
  });

  it("replays errors too and rejects a reused key with different params", async () => {
    const key = `idem-mismatch-${Date.now()}`;
    await stripe.customers.create({ email: "one@example.com" }, { idempotencyKey: key });
    await expect(stripe.customers.create({ email: "two@example.com" }, { idempotencyKey: key })).rejects.toMatchObject({
      statusCode: 400,
      type: "StripeIdempotencyError",
    });
    const errKey = `idem-err-${Date.now()}`;
    const first = await raw("POST", "/v1/customers", "bogus=1", { "idempotency-key": errKey });
    const second = await raw("POST", "/v1/customers", "bogus=1", { "idempotency-key": errKey });
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("customers", () => {
  it("creates, retrieves, updates, filters by email, deletes", async () => {
    const c = await stripe.customers.create({ email: "ann@example.com", name: "Ann", metadata: { account: "acc_1" } });
    expect(c.id).toMatch(/^cus_/);
    expect(c.livemode).toBe(false);
    const got = await stripe.customers.retrieve(c.id);
    expect(got).toMatchObject({ id: c.id, email: "ann@example.com", metadata: { account: "acc_1" } });
    const up = await stripe.customers.update(c.id, { name: "Ann B", metadata: { account: "", plan: "pro" } });
    expect(up.name).toBe("Ann B");
    expect(up.metadata).toEqual({ plan: "pro" });
    const byEmail = await stripe.customers.list({ email: "ann@example.com" });
    expect(byEmail.data.map((x) => x.id)).toEqual([c.id]);
    const del = await stripe.customers.del(c.id);
    expect(del).toMatchObject({ id: c.id, deleted: true });
    const after = await stripe.customers.retrieve(c.id);
    expect(after.deleted).toBe(true);
    const updated = await stripe.events.list({ type: "customer.updated", limit: 5 });
    const ev = updated.data.find((e) => (e.data.object as Stripe.Customer).id === c.id);
    expect(ev?.data.previous_attributes).toMatchObject({ name: "Ann" });
  });
});

describe("lists", () => {
  it("paginates newest first with limit, starting_after, ending_before and has_more", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await stripe.customers.create({ email: `page${i}@example.com`, metadata: { batch: "p" } })).id);
    const first = await stripe.customers.list({ limit: 2 });
    expect(first.object).toBe("list");
    expect(first.url).toBe("/v1/customers");
    expect(first.data.map((c) => c.id)).toEqual([made[4], made[3]]);
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ limit: 2, starting_after: made[3] });
    expect(second.data.map((c) => c.id)).toEqual([made[2], made[1]]);
    const back = await stripe.customers.list({ limit: 2, ending_before: made[2] });
    expect(back.data.map((c) => c.id)).toEqual([made[4], made[3]]);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 2 })) all.push(c.id);
    expect(all.slice(0, 5)).toEqual([...made].reverse());
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: "limit" });
    const def = await stripe.customers.list();
    expect(def.data.length).toBeLessThanOrEqual(10);
  });
});

describe("products and prices", () => {
  it("creates, updates and filters prices by lookup_keys, active and product", async () => {
    const price = await makePrice(stripe, { unit_amount: 900, lookup_key: "team_monthly" });
    expect(price).toMatchObject({ type: "recurring", unit_amount: 900, currency: "usd", lookup_key: "team_monthly" });
    expect(price.recurring).toMatchObject({ interval: "month", interval_count: 1 });
    const once = await makePrice(stripe, { unit_amount: 5000, recurring: false, lookup_key: "lifetime" });
    expect(once.type).toBe("one_time");
    expect(once.recurring).toBeNull();
    const byKey = await stripe.prices.list({ lookup_keys: ["team_monthly", "lifetime"], expand: ["data.product"] });
    expect(byKey.data.map((p) => p.id).sort()).toEqual([price.id, once.id].sort());
    expect((byKey.data[0]?.product as Stripe.Product).object).toBe("product");
    await expect(
      stripe.prices.create({ product: price.product as string, currency: "usd", unit_amount: 1, lookup_key: "team_monthly" }),
    ).rejects.toMatchObject({ statusCode: 400, param: "lookup_key" });
    const off = await stripe.prices.update(price.id, { active: false, metadata: { tier: "team" } });
    expect(off).toMatchObject({ active: false, metadata: { tier: "team" } });
    const active = await stripe.prices.list({ active: true, product: price.product as string });
    expect(active.data).toHaveLength(0);
    const inactive = await stripe.prices.list({ active: false, product: price.product as string });
    expect(inactive.data.map((p) => p.id)).toEqual([price.id]);
    const product = await stripe.products.update(price.product as string, { active: false, metadata: { a: "b" } });
    expect(product).toMatchObject({ active: false, metadata: { a: "b" } });
    expect((await stripe.products.retrieve(product.id)).active).toBe(false);
    expect((await stripe.prices.retrieve(once.id)).unit_amount).toBe(5000);
    const inactiveProducts = await stripe.products.list({ active: false });
    expect(inactiveProducts.data.map((p) => p.id)).toEqual([product.id]);
    expect((await stripe.products.list({ limit: 100 })).data.length).toBeGreaterThanOrEqual(2);
  });
});
