import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { catalogChanged } from "../../app/domain/catalog/catalog-version.server";
import { agent, form, signedInAgent } from "../factories/http";

type Feature = { key: string; name: string; kind: string; limit: number | null };
type Pricing = {
  products: {
    key: string;
    kind: string;
    seatBased: boolean;
    features: Feature[];
    prices: {
      features: Feature[];
      lookupKey: string;
      unitAmount: number;
      interval: string | null;
      tier: string | null;
      minSeats: number | null;
      maxSeats: number | null;
      currency: string;
    }[];
  }[];
};

const clicks = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM analytics_events WHERE name = 'pricing_upgrade_click'").first<{ n: number }>())!.n;

test("the public pricing API serves the seeded catalog, anonymously and cacheably", async () => {
  const res = await agent().fetch("/api/public/pricing");
  expect(res.status).toBe(200);
  expect(res.headers.get("Cache-Control")).toContain("public");
  const body = (await res.json()) as Pricing;
  const org = body.products.find((p) => p.key === "organization")!;
  expect(org).toMatchObject({ kind: "subscription", seatBased: true });
  const monthly = org.prices.filter((p) => p.interval === "month").map((p) => [p.tier, p.minSeats, p.maxSeats, p.unitAmount]);
  expect(monthly).toEqual([
    ["PRO", 1, 20, 3500],
    ["MAX", 21, 50, 3000],
    ["ULTRA", 51, 100, 2500],
  ]);
  const yearly = org.prices.filter((p) => p.interval === "year").map((p) => p.unitAmount);
  expect(yearly).toEqual([35000, 30000, 25000]);
  expect(org.prices.every((p) => p.currency === "eur" && p.lookupKey.startsWith("organization_"))).toBe(true);
  const acc = body.products.find((p) => p.key === "accelerator")!;
  expect(acc).toMatchObject({ kind: "one_time", seatBased: false });
  expect(acc.prices).toEqual([expect.objectContaining({ lookupKey: "accelerator_lifetime", unitAmount: 49900, interval: null })]);
});

test("the public pricing lists what each product and price grants", async () => {
  const body = (await (await agent().fetch("/api/public/pricing")).json()) as Pricing;
  const org = body.products.find((p) => p.key === "organization")!;
  expect(org.features.map((f) => f.key)).toEqual(["organization.manage", "roadmap.publish", "software.download"]);
  expect(org.features[0]).toEqual({ key: "organization.manage", name: "Organisation management", kind: "boolean", limit: null });
  // Uploads come with the MAX and ULTRA tiers only.
  const byTier = org.prices.map((p) => [p.tier, p.interval, p.features.map((f) => f.key)]);
  expect(byTier).toContainEqual(["PRO", "month", []]);
  expect(byTier).toContainEqual(["MAX", "year", ["uploads.max_bytes", "uploads.pro"]]);
  expect(byTier).toContainEqual(["ULTRA", "month", ["uploads.max_bytes", "uploads.pro"]]);
  const acc = body.products.find((p) => p.key === "accelerator")!;
  expect(acc.features.map((f) => f.key)).toEqual(["accelerator.course"]);
});

test("unpublished products, unpublished prices and archived prices never appear", async () => {
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO products (id, key, name, kind, published, seat_based, created_at) VALUES ('prd_hidden', 'hidden', 'Hidden', 'one_time', 0, 0, ?)",
    ).bind(now),
    env.DB.prepare(
      "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES ('prc_hidden', 'prd_hidden', 'hidden_once', 'eur', 100, 1, 0, ?)",
    ).bind(now),
    env.DB.prepare(
      "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES ('prc_acc_draft', 'prd_accelerator', 'accelerator_draft', 'eur', 100, 0, 0, ?)",
    ).bind(now),
    env.DB.prepare(
      "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES ('prc_acc_old', 'prd_accelerator', 'accelerator_old', 'eur', 100, 1, 1, ?)",
    ).bind(now),
  ]);
  // Written straight into D1, as this isolate's own change: its storefront shows it at once (ADR 025).
  catalogChanged();
  const text = await (await agent().fetch("/api/public/pricing")).text();
  for (const secret of ["hidden", "accelerator_draft", "accelerator_old"]) expect(text).not.toContain(secret);
  const page = await (await agent().fetch("/pricing")).text();
  for (const secret of ["Hidden", "accelerator_draft", "accelerator_old"]) expect(page).not.toContain(secret);
});

test("the pricing page renders the catalog and both calls to action", async () => {
  const res = await agent().fetch("/pricing");
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain("Upgrade Organization");
  expect(html).toContain("Enroll in Accelerator");
  expect(html).toContain("€175"); // 5 seats x EUR 35 by default
  expect(html).toContain("€499");
});

test("a CTA click is tracked and sends a signed-out buyer to signup, then on to checkout", async () => {
  const before = await clicks();
  const res = await agent().fetch("/pricing", form({ product: "organization", interval: "year", seats: "25" }));
  expect(res.status).toBe(302);
  const location = res.headers.get("Location")!;
  expect(location.startsWith("/signup?redirectTo=")).toBe(true);
  expect(decodeURIComponent(location)).toContain("/checkout/start?plan=organization&interval=year&seats=25");
  expect(await clicks()).toBe(before + 1);
  const row = await env.DB.prepare(
    "SELECT properties FROM analytics_events WHERE name = 'pricing_upgrade_click' ORDER BY id DESC LIMIT 1",
  ).first<{ properties: string }>();
  expect(JSON.parse(row!.properties)).toEqual({ product: "organization", interval: "year", seats: 25 });
});

test("a signed-in click is tracked with the user", async () => {
  const { agent: a, user } = await signedInAgent();
  const res = await a.fetch("/pricing", form({ product: "accelerator" }));
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe("/checkout/start?plan=accelerator&interval=month&seats=1");
  const row = await env.DB.prepare(
    "SELECT user_id FROM analytics_events WHERE name = 'pricing_upgrade_click' ORDER BY id DESC LIMIT 1",
  ).first<{ user_id: string }>();
  expect(row?.user_id).toBe(user.id);
});

for (const [name, fields, status] of [
  ["an unknown product", { product: "gold" }, 422],
  ["seats outside every tier", { product: "organization", seats: "150" }, 400],
  ["non-numeric seats", { product: "organization", seats: "lots" }, 422],
  ["a missing product", {}, 422],
] as const) {
  test(`a CTA click with ${name} is a ${status} with field errors and records nothing`, async () => {
    const before = await clicks();
    const res = await agent().fetch("/pricing", form(fields));
    expect(res.status).toBe(status);
    // The form's data carries a non-empty fieldErrors object (what the page shows beside the field).
    expect(await res.text()).toContain('\\"fieldErrors\\",{\\"_');
    expect(await clicks()).toBe(before);
  });
}

test("/checkout/start sells any published product by its key (and a price by its id); unknown ones are a 404, never a 500", async () => {
  const { agent: a } = await signedInAgent();
  const key = `pass-${crypto.randomUUID().slice(0, 8)}`;
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO products (id, key, name, description, kind, published, seat_based, created_at) VALUES (?, ?, 'Data Pass', 'Made in the admin', 'one_time', 1, 0, ?)",
    ).bind(`prd_${key}`, key, now),
    env.DB.prepare(
      "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES (?, ?, ?, 'eur', 1900, 1, 0, ?)",
    ).bind(`prc_${key}`, `prd_${key}`, `${key}_once`, now),
  ]);
  try {
    const page = await a.fetch(`/checkout/start?plan=${key}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Data Pass");
    expect(html).toContain(`value="prc_${key}"`);
    // The pricing page's and the locked page's CTA lead there too.
    const click = await a.fetch("/pricing", form({ product: key }));
    expect(click.status).toBe(302);
    expect(click.headers.get("Location")).toBe(`/checkout/start?plan=${key}&interval=month&seats=1`);
    // A price by its id; today's URLs keep working.
    const max = await a.fetch("/checkout/start?plan=organization&price=prc_organization_max_monthly&seats=25");
    expect(max.status).toBe(200);
    expect(await max.text()).toContain('value="prc_organization_max_monthly"');
    expect((await a.fetch("/checkout/start?plan=accelerator")).status).toBe(200);
    expect((await a.fetch("/checkout/start")).status).toBe(200);
    for (const query of [
      "plan=gold",
      `plan=${key}&price=prc_organization_max_monthly`,
      "plan=accelerator&price=nope",
      `plan=${"x".repeat(500)}`,
    ]) {
      expect((await a.fetch(`/checkout/start?${query}`)).status, query).toBe(404);
    }
    // Unpublished: not on sale any more.
    await env.DB.prepare("UPDATE products SET published = 0 WHERE id = ?").bind(`prd_${key}`).run();
    expect((await a.fetch(`/checkout/start?plan=${key}`)).status).toBe(404);
  } finally {
    await env.DB.prepare("UPDATE products SET published = 0 WHERE id = ?").bind(`prd_${key}`).run();
  }
});
