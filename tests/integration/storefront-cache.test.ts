import { env } from "cloudflare:test";
import { expect, test, vi } from "vitest";
import { CATALOG_VERSION_TRUST_MS, catalogChanged } from "../../app/domain/catalog/catalog-version.server";
import { isolateStorefrontMemory } from "../../app/infra/http/storefront-cache.server";
import { agent, BASE, callWorker, form, signedInAgent } from "../factories/http";
import { systemAdmin } from "../factories/tenants";

const version = async () =>
  (await env.DB.prepare("SELECT version FROM catalog_version WHERE id = 1").first<{ version: number }>())!.version;

// A fresh catalog version, so no other test's request shares this test's cache entries; made
// as this isolate's own write (ADR 025), so the next request reads the new version.
const freshCatalog = async () => {
  await env.DB.prepare("UPDATE products SET name = name WHERE id = 'prd_organization'").run();
  catalogChanged();
};

// The isolate trusts the catalog version it read for CATALOG_VERSION_TRUST_MS: a test that
// depends on that window holds the clock still (and moves it itself), so a slow run never opens it.
async function withStillClock<T>(fn: (advance: (ms: number) => void) => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  try {
    return await fn((ms) => vi.setSystemTime(Date.now() + ms));
  } finally {
    vi.useRealTimers();
  }
}

// workerd's default cache (the DOM lib's CacheStorage type does not know `default`).
const edgeCache = () => (caches as unknown as { default: Cache }).default;
// The nonce a response's Content-Security-Policy allows, and the nonces its page's scripts carry.
const cspNonce = (response: Response) => /'nonce-([^']+)'/.exec(response.headers.get("Content-Security-Policy")!)![1]!;
const pageNonces = (html: string) => new Set([...html.matchAll(/ nonce="([^"]+)"/g)].map((m) => m[1]));

// A D1 binding that fails the request if anything touches it.
const noD1 = new Proxy({} as D1Database, {
  get: (_, prop) => {
    throw new Error(`D1 was used (${String(prop)}) on a storefront hit`);
  },
});

test("a second anonymous request for the pricing API is served from the edge cache, with the same body", async () => {
  await freshCatalog();
  const first = await agent().fetch("/api/public/pricing");
  expect(first.status).toBe(200);
  expect(first.headers.get("X-Cache")).toBe("MISS");
  const body = await first.text();

  // The catalog query does not run on a hit: its table is renamed for the moment and the answer still comes.
  await env.DB.prepare("ALTER TABLE product_features RENAME TO product_features_away").run();
  try {
    const second = await agent().fetch("/api/public/pricing");
    expect(second.status).toBe(200);
    expect(second.headers.get("X-Cache")).toBe("HIT");
    expect(second.headers.get("Cache-Control")).toBe(first.headers.get("Cache-Control"));
    expect(await second.text()).toBe(body);
  } finally {
    await env.DB.prepare("ALTER TABLE product_features_away RENAME TO product_features").run();
  }
});

test("the cached pricing page carries each response's own CSP nonce", async () => {
  await freshCatalog();
  const first = await agent().fetch("/pricing");
  expect(first.headers.get("X-Cache")).toBe("MISS");
  await first.text();
  const hit = await agent().fetch("/pricing");
  expect(hit.headers.get("X-Cache")).toBe("HIT");
  // Pages are never cached downstream (the route said nothing, so the security headers' default).
  expect(hit.headers.get("Cache-Control")).toBe("private, no-store");
  const html = await hit.text();
  expect(html).toContain("Upgrade Organization");
  expect(pageNonces(html)).toEqual(new Set([cspNonce(hit)]));
});

test("after the first hit this isolate answers from its own memory: with the Cache API failing, the page still comes, with its own nonce", async () => {
  await freshCatalog();
  await (await agent().fetch("/pricing")).text();
  const match = vi.spyOn(edgeCache(), "match").mockRejectedValue(new Error("the Cache API was asked"));
  try {
    for (let i = 0; i < 2; i++) {
      const hit = await agent().fetch("/pricing");
      expect(hit.headers.get("X-Cache")).toBe("HIT");
      const html = await hit.text();
      expect(html).toContain("Upgrade Organization");
      expect(pageNonces(html)).toEqual(new Set([cspNonce(hit)]));
    }
    expect(match).not.toHaveBeenCalled();
  } finally {
    match.mockRestore();
  }
});

test("another isolate's copy comes from the Cache API, with this request's nonce, and is remembered here", async () => {
  await freshCatalog();
  const rendered = await agent().fetch("/pricing");
  const renderedHtml = await rendered.text();
  // As if another isolate had rendered it: this one has nothing in memory.
  isolateStorefrontMemory.clear();
  const match = vi.spyOn(edgeCache(), "match");
  try {
    const hit = await agent().fetch("/pricing");
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(match).toHaveBeenCalledTimes(1);
    const html = await hit.text();
    expect(cspNonce(hit)).not.toBe(cspNonce(rendered));
    expect(pageNonces(html)).toEqual(new Set([cspNonce(hit)]));
    expect(html.replaceAll(cspNonce(hit), "N")).toBe(renderedHtml.replaceAll(cspNonce(rendered), "N"));
    await (await agent().fetch("/pricing")).text();
    expect(match).toHaveBeenCalledTimes(1);
  } finally {
    match.mockRestore();
  }
});

test("an admin's catalog change is a new cache key: the next anonymous request shows it at once", () =>
  withStillClock(async () => {
    await freshCatalog();
    const admin = await systemAdmin();
    await (await agent().fetch("/pricing")).text();
    expect((await agent().fetch("/pricing")).headers.get("X-Cache")).toBe("HIT");

    const key = `cached_${crypto.randomUUID().slice(0, 8)}`;
    const before = await version();
    const created = await admin.agent.fetch(
      "/admin/catalog",
      form({ intent: "create_product", key, name: "Cache Buster", description: "", kind: "one_time" }),
    );
    expect(created.status).toBe(200);
    expect(await version()).toBeGreaterThan(before);
    const productId = (await env.DB.prepare("SELECT id FROM products WHERE key = ?").bind(key).first<{ id: string }>())!.id;
    await env.DB.prepare(
      "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES (?, ?, ?, 'eur', 700, 1, 0, ?)",
    )
      .bind(`prc_${key}`, productId, `${key}_once`, Date.now())
      .run();
    const published = await admin.agent.fetch(
      "/admin/catalog",
      form({ intent: "flag", target: "product", id: productId, change: "publish" }),
    );
    expect(published.status).toBe(200);
    try {
      const page = await agent().fetch("/pricing");
      expect(page.headers.get("X-Cache")).toBe("MISS");
      expect(await page.text()).toContain("Cache Buster");
      const api = await agent().fetch("/api/public/pricing");
      expect(await api.text()).toContain(key);
    } finally {
      await env.DB.prepare("UPDATE products SET published = 0 WHERE id = ?").bind(productId).run();
      catalogChanged();
    }
  }));

test("a hit touches no D1 at all: with the database binding unusable, the cached page and API still answer", () =>
  withStillClock(async () => {
    await freshCatalog();
    for (const path of ["/pricing", "/api/public/pricing"]) {
      const first = await agent().fetch(path, {
        headers: { "Accept-Language": "fr" },
      });
      expect(first.headers.get("X-Cache"), path).toBe("MISS");
      const body = await first.text();
      const hit = await callWorker(new Request(`${BASE}${path}`, { headers: { "Accept-Language": "fr" } }), { ...env, DB: noD1 });
      expect(hit.status, path).toBe(200);
      expect(hit.headers.get("X-Cache"), path).toBe("HIT");
      const text = await hit.text();
      if (path === "/pricing") expect(text).toContain('<html lang="fr"');
      else expect(text).toBe(body);
    }
  }));

test("a catalog change made outside this isolate shows once the trust window has passed, not before", () =>
  withStillClock(async (advance) => {
    await freshCatalog();
    await (await agent().fetch("/pricing")).text();
    expect((await agent().fetch("/pricing")).headers.get("X-Cache")).toBe("HIT");
    // Another isolate's write (here: straight into D1, so this isolate is not told).
    const key = `elsewhere_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO products (id, key, name, description, kind, published, seat_based, created_at) VALUES (?, ?, 'Made Elsewhere', '', 'one_time', 1, 0, ?)",
      ).bind(`prd_${key}`, key, Date.now()),
      env.DB.prepare(
        "INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at) VALUES (?, ?, ?, 'eur', 900, 1, 0, ?)",
      ).bind(`prc_${key}`, `prd_${key}`, `${key}_once`, Date.now()),
    ]);
    try {
      // Within the window this isolate still answers from the version it trusts: the documented bound.
      advance(CATALOG_VERSION_TRUST_MS - 1);
      const stale = await agent().fetch("/pricing");
      expect(stale.headers.get("X-Cache")).toBe("HIT");
      expect(await stale.text()).not.toContain("Made Elsewhere");
      // Past it, the version is read again: a new key, rendered with the change.
      advance(1);
      const fresh = await agent().fetch("/pricing");
      expect(fresh.headers.get("X-Cache")).toBe("MISS");
      expect(await fresh.text()).toContain("Made Elsewhere");
      expect((await agent().fetch("/pricing")).headers.get("X-Cache")).toBe("HIT");
    } finally {
      await env.DB.prepare("UPDATE products SET published = 0 WHERE id = ?").bind(`prd_${key}`).run();
      catalogChanged();
    }
  }));

test("a signed-in request is never answered from the cache nor stored in it", async () => {
  await freshCatalog();
  const { agent: a, user } = await signedInAgent();
  const mine = await a.fetch("/pricing");
  expect(mine.headers.get("X-Cache")).toBeNull();
  expect(await mine.text()).toContain(user.email);
  // Nothing was stored: the next anonymous request misses, and does not show the user.
  const anonymous = await agent().fetch("/pricing");
  expect(anonymous.headers.get("X-Cache")).toBe("MISS");
  expect(await anonymous.text()).not.toContain(user.email);
  // Now cached for anonymous visitors, but still not for the signed-in user.
  expect((await agent().fetch("/pricing")).headers.get("X-Cache")).toBe("HIT");
  const again = await a.fetch("/pricing");
  expect(again.headers.get("X-Cache")).toBeNull();
  expect(await again.text()).toContain(user.email);
  // Any session cookie, even one that names no session, bypasses the cache.
  const stale = await agent().fetch("/api/public/pricing", { headers: { Cookie: "gh_session=not-a-session" } });
  expect(stale.headers.get("X-Cache")).toBeNull();
});

test("each language has its own cached pricing page: a Swedish visitor's copy is never served to an English one", async () => {
  await freshCatalog();
  const page = (language: string) => agent().fetch("/pricing", { headers: { "Accept-Language": language } });
  const swedish = await page("sv-SE,sv;q=0.9");
  expect(swedish.headers.get("X-Cache")).toBe("MISS");
  expect(await swedish.text()).toContain('<html lang="sv"');
  const english = await page("en-GB,en;q=0.9");
  expect(english.headers.get("X-Cache")).toBe("MISS");
  expect(await english.text()).toContain('<html lang="en"');
  const again = await page("sv");
  expect(again.headers.get("X-Cache")).toBe("HIT");
  expect(await again.text()).toContain('<html lang="sv"');
});
