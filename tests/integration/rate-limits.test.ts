import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, form, json, sameRateLimitWindow, signedInAgent, uniqueEmail } from "../factories/http";

// Rate limits (Workers Rate Limiting binding, wrangler.toml [[ratelimits]]): past the limit a
// clear 429 with Retry-After, JSON { error: "rate_limited" } or the form's page, and nothing done.
// Each test sends its burst at once and needs only a few seconds of the current window
// (sameRateLimitWindow waits for the next one when fewer are left): a burst sent one request after
// another could cross into the next window, and long budgets made this file wait ~80 s in CI.
const burst = <T>(n: number, send: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => send(i)));

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

test("login per account: 5 tries a window, from any address; then 429 even for the right password; after the window it works", async () => {
  const { user, password } = await signedInAgent();
  await sameRateLimitWindow(3_000, 10);
  // Each try from a different client address: the account's own limit is what stops them.
  const statuses = await burst(
    5,
    async (i) => (await agent().fetch("/api/auth/login", json({ email: user.email, password: `wrong-${i}-password` }))).status,
  );
  expect(statuses).toEqual([401, 401, 401, 401, 401]);
  const locked = await agent().fetch("/api/auth/login", json({ email: user.email, password }));
  expect(locked.status).toBe(429);
  expect(locked.headers.get("Retry-After")).toMatch(/^\d+$/);
  expect(await locked.json()).toMatchObject({ error: "rate_limited", message: expect.stringContaining("Too many attempts") });
  expect(locked.headers.get("Set-Cookie")).toBeNull();
  const page = await agent().fetch("/login", form({ email: user.email, password }));
  expect(page.status).toBe(429);
  expect(page.headers.get("Retry-After")).toMatch(/^\d+$/);
  expect(await page.text()).toContain("Too many attempts");

  // The test window is 10 s (tests/vitest.config.ts); wait for the next one.
  await new Promise((r) => setTimeout(r, 10_000 - (Date.now() % 10_000) + 50));
  const after = await agent().fetch("/api/auth/login", json({ email: user.email, password }));
  expect(after.status).toBe(200);
}, 30_000);

test("login per client address: 20 tries a minute across accounts, then 429", async () => {
  await sameRateLimitWindow(3_000);
  const client = agent();
  const statuses = await burst(
    21,
    async () => (await client.fetch("/api/auth/login", json({ email: uniqueEmail("spray"), password: "guess-guess-guess" }))).status,
  );
  expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  expect(statuses.filter((s) => s !== 429).every((s) => s === 401)).toBe(true);
  // Another client is not affected.
  expect((await agent().fetch("/api/auth/login", json({ email: uniqueEmail("spray"), password: "guess-guess-guess" }))).status).toBe(401);
});

test("signup per client address: 5 a minute, then 429 and no account", async () => {
  await sameRateLimitWindow(3_000);
  const client = agent();
  const statuses = await burst(
    5,
    async () => (await client.fetch("/api/auth/signup", json({ email: uniqueEmail("bulk"), password: "a-long-unusual-phrase" }))).status,
  );
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  const email = uniqueEmail("bulk");
  const refused = await client.fetch("/api/auth/signup", json({ email, password: "a-long-unusual-phrase" }));
  expect(refused.status).toBe(429);
  expect(await count("SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
});

test("password-reset requests: 3 a minute per address and per client, then a 429 page and no email", async () => {
  const { user } = await signedInAgent();
  await sameRateLimitWindow(3_000);
  expect(await burst(3, async () => (await agent().fetch("/forgot-password", form({ email: user.email }))).status)).toEqual([
    200, 200, 200,
  ]);
  const refused = await agent().fetch("/forgot-password", form({ email: user.email }));
  expect(refused.status).toBe(429);
  expect(await refused.text()).toContain("Too many attempts");
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'reset_password'", user.email)).toBe(3);

  await sameRateLimitWindow(2_000);
  const client = agent();
  await burst(3, async () => client.fetch("/forgot-password", form({ email: uniqueEmail("who") })));
  expect((await client.fetch("/forgot-password", form({ email: uniqueEmail("who") }))).status).toBe(429);
});

test("join codes: 10 tries a minute per user, then 429", async () => {
  const { agent: a } = await signedInAgent();
  await sameRateLimitWindow(3_000);
  const statuses = await burst(11, async (i) => (await a.fetch("/join", form({ code: `ZZZZZZ${String(i).padStart(2, "0")}` }))).status);
  expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  expect(statuses.filter((s) => s !== 429).every((s) => s === 404)).toBe(true);
});

test("client check-in: 120 a minute per client address, then 429 JSON", async () => {
  await sameRateLimitWindow(5_000);
  const client = agent();
  const statuses = await Promise.all(
    Array.from(
      { length: 121 },
      async () => (await client.fetch("/api/clients/check-in", json({ token: "glt_not-a-real-token-0000", clientId: "pc-1" }))).status,
    ),
  );
  expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  expect(statuses.filter((s) => s !== 429).every((s) => s === 401)).toBe(true);
  expect((await client.fetch("/api/clients/check-in", json({ token: "glt_not-a-real-token-0000", clientId: "pc-1" }))).status).toBe(429);
});

test("anonymous pricing clicks: analytics rows stop at 30 a minute per client, the buyer still goes on", async () => {
  const client = agent();
  const before = await count("SELECT count(*) AS n FROM analytics_events WHERE name = 'pricing_upgrade_click'");
  await sameRateLimitWindow(3_000);
  const statuses = await burst(
    32,
    async () => (await client.fetch("/pricing", form({ product: "organization", interval: "month", seats: "3" }))).status,
  );
  expect(statuses.every((s) => s === 302)).toBe(true);
  expect(await count("SELECT count(*) AS n FROM analytics_events WHERE name = 'pricing_upgrade_click'")).toBe(before + 30);
});
