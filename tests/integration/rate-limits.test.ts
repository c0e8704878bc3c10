import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, form, json, sameRateLimitWindow, signedInAgent, uniqueEmail } from "../factories/http";

// Rate limits (Workers Rate Limiting binding, wrangler.toml [[ratelimits]]): past the limit a
// clear 429 with Retry-After, JSON { error: "rate_limited" } or the form's page, and nothing done.

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

test("login per account: 5 tries a window, from any address; then 429 even for the right password; after the window it works", async () => {
  await sameRateLimitWindow(5_000, 10);
  const { user, password } = await signedInAgent();
  const statuses: number[] = [];
  // Each try from a different client address: the account's own limit is what stops them.
  for (let i = 0; i < 5; i++)
    statuses.push((await agent().fetch("/api/auth/login", json({ email: user.email, password: `wrong-${i}-password` }))).status);
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
  await sameRateLimitWindow(8_000);
  const client = agent();
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++)
    statuses.push((await client.fetch("/api/auth/login", json({ email: uniqueEmail("spray"), password: "guess-guess-guess" }))).status);
  expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
  expect(statuses[20]).toBe(429);
  // Another client is not affected.
  expect((await agent().fetch("/api/auth/login", json({ email: uniqueEmail("spray"), password: "guess-guess-guess" }))).status).toBe(401);
});

test("signup per client address: 5 a minute, then 429 and no account", async () => {
  await sameRateLimitWindow(8_000);
  const client = agent();
  for (let i = 0; i < 5; i++)
    expect((await client.fetch("/api/auth/signup", json({ email: uniqueEmail("bulk"), password: "a-long-unusual-phrase" }))).status).toBe(
      200,
    );
  const email = uniqueEmail("bulk");
  const refused = await client.fetch("/api/auth/signup", json({ email, password: "a-long-unusual-phrase" }));
  expect(refused.status).toBe(429);
  expect(await count("SELECT count(*) AS n FROM users WHERE email = ?", email)).toBe(0);
});

test("password-reset requests: 3 a minute per address and per client, then a 429 page and no email", async () => {
  await sameRateLimitWindow(8_000);
  const { user } = await signedInAgent();
  for (let i = 0; i < 3; i++) expect((await agent().fetch("/forgot-password", form({ email: user.email }))).status).toBe(200);
  const refused = await agent().fetch("/forgot-password", form({ email: user.email }));
  expect(refused.status).toBe(429);
  expect(await refused.text()).toContain("Too many attempts");
  expect(await count("SELECT count(*) AS n FROM email_outbox WHERE to_address = ? AND template = 'reset_password'", user.email)).toBe(3);

  const client = agent();
  for (let i = 0; i < 3; i++) await client.fetch("/forgot-password", form({ email: uniqueEmail("who") }));
  expect((await client.fetch("/forgot-password", form({ email: uniqueEmail("who") }))).status).toBe(429);
});

test("join codes: 10 tries a minute per user, then 429", async () => {
  await sameRateLimitWindow(8_000);
  const { agent: a } = await signedInAgent();
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await a.fetch("/join", form({ code: `ZZZZZZ${String(i).padStart(2, "0")}` }))).status);
  expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
  expect(statuses[10]).toBe(429);
});

test("client check-in: 120 a minute per client address, then 429 JSON", async () => {
  // All 121 at once: sent one after another they took up to 48 s on a loaded machine and could
  // cross into the next window, where the count starts again.
  await sameRateLimitWindow(20_000);
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
  await sameRateLimitWindow(10_000);
  const client = agent();
  const before = await count("SELECT count(*) AS n FROM analytics_events WHERE name = 'pricing_upgrade_click'");
  for (let i = 0; i < 32; i++) {
    const res = await client.fetch("/pricing", form({ product: "organization", interval: "month", seats: "3" }));
    expect(res.status).toBe(302);
  }
  expect(await count("SELECT count(*) AS n FROM analytics_events WHERE name = 'pricing_upgrade_click'")).toBe(before + 30);
});
