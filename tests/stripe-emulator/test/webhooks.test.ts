// Webhook delivery: signatures, retries, fault modes, and the events API around them.
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SECRET, control, startReceiver, stripeClient, waitFor, type Receiver } from "./helpers";

const stripe = stripeClient();
let receiver: Receiver;
let failFirst = new Map<string, number>();
let callBack = false;
const seenDuringDelivery: string[] = [];

beforeAll(async () => {
  await control().reset();
  receiver = await startReceiver(async (event) => {
    if (callBack) {
      // Like the app: read the current state back from Stripe while handling the event.
      const c = await stripe.customers.retrieve((event.data.object as { id: string }).id);
      seenDuringDelivery.push(c.id);
    }
    const left = failFirst.get(event.type) ?? 0;
    if (left > 0) {
      failFirst.set(event.type, left - 1);
      return 500;
    }
    return 200;
  });
  await control().config({ webhookUrl: receiver.url, webhookSecret: SECRET });
});

afterAll(async () => {
  await control().setMode("deliver");
  await control().config({ webhookUrl: null });
  await receiver.close();
});

beforeEach(async () => {
  await control().setMode("deliver");
  await control().flush();
  receiver.clear();
  failFirst = new Map();
  callBack = false;
  seenDuringDelivery.length = 0;
});

const customerIdOf = (e: Stripe.Event) => (e.data.object as { id: string }).id;

describe("signed delivery", () => {
  it("delivers events signed so that stripe.webhooks.constructEventAsync verifies them", async () => {
    const c = await stripe.customers.create({ email: "hook@example.com" });
    await stripe.customers.update(c.id, { name: "Hooked" });
    await waitFor(
      () => receiver.ok().length,
      (n) => n >= 2,
    );
    expect(receiver.rejected).toEqual([]);
    const [created, updated] = receiver.ok();
    expect(created?.event.type).toBe("customer.created");
    expect(updated?.event.type).toBe("customer.updated");
    expect(updated?.event.data.previous_attributes).toEqual({ name: null });
    expect(created?.header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(created?.event).toMatchObject({ object: "event", api_version: "2026-10-28.endive", livemode: false });
    expect(created?.event.request?.id).toMatch(/^req_/);
    const rows = await waitFor(
      () => control().deliveries({ customer: c.id }),
      (d) => d.every((x) => x.status === "succeeded"),
    );
    expect(rows.map((d) => d.attempts[0]?.status_code)).toEqual([200, 200]);
    const ev = await stripe.events.retrieve(created?.event.id as string);
    expect(ev.pending_webhooks).toBe(0);
    // A wrong secret must not verify: proves the receiver really checks.
    const verifier = new Stripe("sk_test_x");
    await expect(
      verifier.webhooks.constructEventAsync(
        created?.raw as string,
        created?.header as string,
        "whsec_wrong",
        300,
        Stripe.createSubtleCryptoProvider(),
      ),
    ).rejects.toThrow();
  });

  it("retries a failed delivery with backoff and logs every attempt", async () => {
    failFirst.set("customer.created", 2);
    const c = await stripe.customers.create({ email: "retry@example.com" });
    const rows = await waitFor(
      () => control().deliveries({ customer: c.id, type: "customer.created" }),
      (d) => d[0]?.status === "succeeded",
      20_000,
    );
    const attempts = rows[0]?.attempts ?? [];
    expect(attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
    expect(attempts[0]?.error).toMatch(/500/);
    const gap = Date.parse(attempts[2]?.at as string) - Date.parse(attempts[1]?.at as string);
    expect(gap).toBeGreaterThanOrEqual(1500);
    expect(receiver.received.filter((r) => customerIdOf(r.event) === c.id).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("keeps deliveries pending while webhookUrl is null and sends them once it is set", async () => {
    await control().config({ webhookUrl: null });
    const c = await stripe.customers.create({ email: "nourl@example.com" });
    await new Promise((r) => setTimeout(r, 300));
    expect((await control().deliveries({ customer: c.id }))[0]?.status).toBe("pending");
    expect((await stripe.events.list({ type: "customer.created", limit: 1 })).data[0]?.pending_webhooks).toBe(1);
    await control().config({ webhookUrl: receiver.url });
    await waitFor(
      () => control().deliveries({ customer: c.id }),
      (d) => d[0]?.status === "succeeded",
    );
  });

  it("signs any stored event on demand", async () => {
    const c = await stripe.customers.create({ email: "sign@example.com" });
    const ev = (await stripe.events.list({ type: "customer.created", limit: 1 })).data[0] as Stripe.Event;
    expect(customerIdOf(ev)).toBe(c.id);
    const { payload, header } = await control().signEvent(ev.id);
    const verified = await new Stripe("sk_test_x").webhooks.constructEventAsync(
      payload,
      header,
      SECRET,
      300,
      Stripe.createSubtleCryptoProvider(),
    );
    expect(verified.id).toBe(ev.id);
    expect(verified.data.object).toEqual(ev.data.object);
  });
});

describe("real time", () => {
  it("a subscription not on a test clock ends its trial on time, driven by the alarm alone", async () => {
    const c = await stripe.customers.create({ email: "realtime@example.com", payment_method: "pm_card_visa" });
    const pm = (await stripe.paymentMethods.list({ customer: c.id })).data[0]?.id as string;
    const product = await stripe.products.create({ name: "Realtime" });
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 700, recurring: { interval: "month" } });
    const trialEnd = Math.floor(Date.now() / 1000) + 2;
    const sub = await stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: price.id }],
      trial_end: trialEnd,
      default_payment_method: pm,
    });
    expect(sub.status).toBe("trialing");
    // No API calls while waiting: only the Durable Object alarm can move the subscription on.
    const created = await waitFor(
      () =>
        receiver.ok().find((r) => {
          const inv = r.event.data.object as Stripe.Invoice;
          return r.event.type === "invoice.created" && inv.customer === c.id && inv.billing_reason === "subscription_cycle";
        }),
      (r) => r !== undefined,
      15_000,
    );
    // The first paid period's invoice is a draft for an hour, as Stripe's is.
    expect(created?.event.data.object).toMatchObject({ status: "draft", amount_due: 700, automatically_finalizes_at: trialEnd + 3600 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    await control().flush();
  });
});

describe("re-entrancy", () => {
  it("a receiver can call the API while a delivery (or a release) is in flight", async () => {
    callBack = true;
    const c = await stripe.customers.create({ email: "reentrant@example.com" });
    await waitFor(
      () => seenDuringDelivery.length,
      (n) => n >= 1,
      10_000,
    );
    expect(seenDuringDelivery).toEqual([c.id]);
    await control().setMode("hold");
    const d = await stripe.customers.create({ email: "reentrant2@example.com" });
    const result = await control().release({ customer: d.id, times: 2 });
    expect(result.released[0]?.attempts.map((a) => a.status_code)).toEqual([200, 200]);
    expect(seenDuringDelivery).toEqual([c.id, d.id, d.id]);
  });
});

describe("fault modes", () => {
  async function heldCustomers(n: number, tag: string): Promise<string[]> {
    await control().setMode("hold");
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await stripe.customers.create({ email: `${tag}${i}@example.com` })).id);
    const held = await control().deliveries({ status: "held" });
    expect(held.map((d) => d.customer)).toEqual(expect.arrayContaining(ids));
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(0);
    return ids;
  }

  it("hold + release in_order", async () => {
    const ids = await heldCustomers(3, "inorder");
    const result = await control().release({ order: "in_order" });
    expect(result.released.map((r) => r.customer)).toEqual(ids);
    expect(result.released.every((r) => r.attempts[0]?.status_code === 200)).toBe(true);
    expect(receiver.ok().map((r) => customerIdOf(r.event))).toEqual(ids);
    expect((await control().deliveries({ customer: ids[0] }))[0]?.status).toBe("succeeded");
  });

  it("hold + release reversed", async () => {
    const ids = await heldCustomers(3, "reversed");
    await control().release({ order: "reversed" });
    expect(receiver.ok().map((r) => customerIdOf(r.event))).toEqual([...ids].reverse());
  });

  it("hold + release shuffled is a permutation, reproducible by seed", async () => {
    const ids = await heldCustomers(6, "shuffled");
    const result = await control().release({ order: "shuffled", seed: 42 });
    const got = receiver.ok().map((r) => customerIdOf(r.event));
    expect([...got].sort()).toEqual([...ids].sort());
    expect(result.released.map((r) => r.customer)).toEqual(got);
    expect(got).not.toEqual(ids);
  });

  it("release times=3 delivers each event three times concurrently", async () => {
    const ids = await heldCustomers(2, "dupes");
    const result = await control().release({ times: 3 });
    expect(result.released.map((r) => r.attempts.length)).toEqual([3, 3]);
    const got = receiver.ok().map((r) => customerIdOf(r.event));
    expect(got).toEqual([ids[0], ids[0], ids[0], ids[1], ids[1], ids[1]]);
    expect(new Set(receiver.ok().map((r) => r.event.id)).size).toBe(2);
  });

  it("release can be limited to one customer", async () => {
    const ids = await heldCustomers(2, "onecust");
    await control().release({ customer: ids[1] });
    expect(receiver.ok().map((r) => customerIdOf(r.event))).toEqual([ids[1]]);
    expect((await control().deliveries({ customer: ids[0] }))[0]?.status).toBe("held");
    await control().release({});
  });

  it("drop records deliveries as dropped and never sends; events stay listable", async () => {
    await control().setMode("drop");
    const c = await stripe.customers.create({ email: "drop@example.com" });
    await control().setMode("deliver");
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(0);
    expect((await control().deliveries({ customer: c.id }))[0]?.status).toBe("dropped");
    const undelivered = await stripe.events.list({ delivery_success: false, type: "customer.created" });
    expect(undelivered.data.map(customerIdOf)).toContain(c.id);
    const delivered = await stripe.events.list({ delivery_success: true, type: "customer.created" });
    expect(delivered.data.map(customerIdOf)).not.toContain(c.id);
  });
});

describe("events API", () => {
  it("filters by type, types[], created and paginates", async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const c = await stripe.customers.create({ email: "events@example.com" });
    await stripe.customers.update(c.id, { name: "E" });
    const created = await stripe.events.list({ type: "customer.created", created: { gte: t0 } });
    expect(created.data.every((e) => e.type === "customer.created")).toBe(true);
    expect(created.data.map(customerIdOf)).toContain(c.id);
    const both = await stripe.events.list({ types: ["customer.created", "customer.updated"], created: { gte: t0 } });
    expect(new Set(both.data.map((e) => e.type))).toEqual(new Set(["customer.created", "customer.updated"]));
    const wildcard = await stripe.events.list({ type: "customer.*", created: { gte: t0 }, limit: 1 });
    expect(wildcard.data).toHaveLength(1);
    expect(wildcard.has_more).toBe(true);
    const future = await stripe.events.list({ created: { gt: t0 + 3600 } });
    expect(future.data).toHaveLength(0);
    await expect(stripe.events.retrieve("evt_missing")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
  });
});
