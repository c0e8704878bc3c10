import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { SEED_PRICES, SEED_PRODUCTS } from "../../db/seed-catalog";
import { loadAccess } from "../../app/domain/entitlements/access.server";
import { createDb } from "../../app/infra/d1/db.server";
import { control, deliverAll, eventsFor, intentRow, startCheckout, stripe, tenantState } from "../factories/billing";
import { form, signedInAgent } from "../factories/http";
import { systemAdmin } from "../factories/tenants";

// Every plan a buyer can choose is bought once, end to end: Checkout in the emulator, the signed
// webhooks into the Worker, and what they provisioned. The table is the seeded catalog itself, so a
// price added to the seed is bought here without a new test.

const DAY = 86_400_000;

/** Pays an open Checkout and delivers its events until nothing new arrives (the bundled trial's come after provisioning). */
async function payAndSettle(url: string, customerId: string) {
  expect((await control.pay(url, "pay")).status).toBe(303);
  let seen: string[] = [];
  for (;;) {
    const fresh = await eventsFor(customerId, seen);
    if (fresh.length === 0) return;
    expect(await deliverAll(fresh.map((e) => e.id))).toEqual(fresh.map(() => 200));
    seen = [...seen, ...fresh.map((e) => e.id)];
  }
}

const productOf = (productId: string) => SEED_PRODUCTS.find((p) => p.id === productId)!;

// Add-ons are not bought through Checkout but as an item on the base subscription, from the billing
// page (ADR 019 amendment; addons.test.ts), so the table skips them.
for (const price of SEED_PRICES.filter((p) => productOf(p.productId).baseProductId === null)) {
  const product = productOf(price.productId);
  // The tier's smallest team: buying it checks the tier boundary as well as the plan.
  const seats = product.seatBased ? price.minSeats! : 1;
  test(`buying ${price.lookupKey} (${seats} seat${seats === 1 ? "" : "s"}) provisions exactly that plan`, async () => {
    const buyer = await signedInAgent();
    const checkout = await startCheckout(buyer.agent, {
      priceId: price.id,
      quantity: seats,
      organizationName: `Plan ${price.lookupKey}`,
    });
    await payAndSettle(checkout.url, checkout.customerId);

    const intent = await intentRow(checkout.intentId);
    expect(intent!.state).toBe("provisioned");
    const state = await tenantState(intent!.provisioned_tenant_id as string);
    expect(state.memberships).toEqual([{ user_id: buyer.user.id, role: "owner", status: "active" }]);
    const bought = state.entitlements.find((e) => e.product_id === price.productId);
    expect(bought).toMatchObject({
      status: "active",
      tier: price.tier,
      source: product.kind === "subscription" ? "stripe_subscription" : "stripe_payment",
      quantity_seats: product.seatBased ? seats : 0,
      has_end: 0,
    });

    // What Stripe billed: this price (by lookup key), its interval, and the tier's amount per seat.
    const session = await stripe().checkout.sessions.retrieve(checkout.sessionId, { expand: ["line_items"] });
    const line = session.line_items!.data[0]!;
    expect(line.price!.lookup_key).toBe(price.lookupKey);
    expect(line.price!.recurring?.interval ?? null).toBe(price.interval);
    expect(line.quantity).toBe(seats);
    expect(session.amount_total).toBe(price.unitAmount * seats);
    if (product.kind === "subscription") {
      const sub = await stripe().subscriptions.retrieve(intent!.stripe_subscription_id as string);
      expect(sub.items.data[0]!.price.lookup_key).toBe(price.lookupKey);
      expect(state.subscriptions).toEqual([expect.objectContaining({ status: "active", quantity: seats })]);
      // The period Stripe bills is the plan's: a month or a year.
      const periodDays = (sub.items.data[0]!.current_period_end - sub.items.data[0]!.current_period_start) / 86_400;
      expect(periodDays).toBeGreaterThanOrEqual(price.interval === "year" ? 365 : 28);
      expect(periodDays).toBeLessThanOrEqual(price.interval === "year" ? 366 : 31);
    }
    if (product.seatBased) expect(state.seats).toEqual([{ entitlement_id: bought!.id, user_id: buyer.user.id }]);
  });
}

test("a price with access_days gives access for exactly that many days from the confirmed payment", async () => {
  const admin = await systemAdmin();
  const key = `course_${Date.now().toString(36)}`;
  const lookupKey = `${key}_30d`;
  const post = (fields: Record<string, string>) => admin.agent.fetch("/admin/catalog", form(fields));
  expect((await post({ intent: "create_product", key, name: "Thirty-day course", kind: "one_time" })).status).toBe(200);
  const productId = (await env.DB.prepare("SELECT id FROM products WHERE key = ?").bind(key).first<{ id: string }>())!.id;
  const created = await post({
    intent: "create_price",
    productId,
    lookupKey,
    currency: "eur",
    unitAmount: "4900",
    interval: "",
    tier: "",
    minSeats: "",
    maxSeats: "",
    accessDays: "30",
  });
  expect(created.status).toBe(200);
  const priceId = (await env.DB.prepare("SELECT id FROM product_prices WHERE lookup_key = ?").bind(lookupKey).first<{ id: string }>())!.id;
  for (const [target, id] of [
    ["product", productId],
    ["price", priceId],
  ]) {
    expect((await post({ intent: "flag", target: target!, id: id!, change: "publish" })).status).toBe(200);
  }

  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId, organizationName: "Thirty Days Ltd" });
  // Off sale again: other files share this D1 and its public pricing.
  expect((await post({ intent: "flag", target: "price", id: priceId, change: "archive" })).status).toBe(200);
  const before = Date.now();
  await payAndSettle(checkout.url, checkout.customerId);
  const after = Date.now();

  const tenantId = (await intentRow(checkout.intentId))!.provisioned_tenant_id as string;
  const ent = await env.DB.prepare(
    "SELECT e.id, e.valid_from, e.valid_until FROM tenant_product_entitlements e WHERE e.tenant_id = ? AND e.product_id = ?",
  )
    .bind(tenantId, productId)
    .first<{ id: string; valid_from: number; valid_until: number }>();
  // The clock starts when the webhook provisions, not when Checkout opened.
  expect(ent!.valid_from).toBeGreaterThanOrEqual(before);
  expect(ent!.valid_from).toBeLessThanOrEqual(after);
  expect(ent!.valid_until - ent!.valid_from).toBe(30 * DAY);

  // The one access rule, asked at chosen times: live until the last millisecond, gone at valid_until.
  const liveAt = async (now: number) => {
    const access = await loadAccess({ db: createDb(env.DB), userId: buyer.user.id, isSystemAdmin: false, now });
    return access.entitlements.find((e) => e.entitlementId === ent!.id)?.live;
  };
  expect(await liveAt(ent!.valid_from + 29 * DAY)).toBe(true);
  expect(await liveAt(ent!.valid_until - 1)).toBe(true);
  expect(await liveAt(ent!.valid_until)).toBe(false);
  expect(await liveAt(ent!.valid_until + DAY)).toBe(false);
});
