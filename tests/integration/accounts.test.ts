import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, BASE, callWorker, form, json, signedInAgent, uniqueEmail } from "../factories/http";

const countUsers = async () => (await env.DB.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>())!.n;
const countSessions = async () => (await env.DB.prepare("SELECT count(*) AS n FROM sessions").first<{ n: number }>())!.n;

test("signup through the form creates one account, a server-side session and a safe cookie", async () => {
  const a = agent();
  const email = uniqueEmail("Form");
  const res = await a.fetch("/signup", form({ email: `  ${email.toUpperCase()} `, password: "correct-horse", redirectTo: "/pricing" }));
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe("/pricing");
  const cookie = res.headers.get("Set-Cookie")!;
  expect(cookie).toMatch(/^gh_session=[A-Za-z0-9_-]{43};/);
  expect(cookie).toContain("HttpOnly");
  expect(cookie).toContain("SameSite=Lax");
  expect(cookie).not.toContain("Secure"); // plain-http local request
  const user = await env.DB.prepare("SELECT email, password_hash FROM users WHERE email = ?")
    .bind(email.toLowerCase())
    .first<{ email: string; password_hash: string }>();
  expect(user?.email).toBe(email.toLowerCase());
  expect(user?.password_hash).toMatch(/^pbkdf2-sha256\$v1\$100000\$/);
  const me = await a.fetch("/api/me");
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ user: { email: email.toLowerCase() }, memberships: [] });
});

test("cookies are Secure (and __Host- prefixed) when APP_URL is https, whatever the request's scheme", async () => {
  const res = await callWorker(
    new Request(`${BASE}/api/auth/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: BASE, Host: new URL(BASE).host },
      body: JSON.stringify({ email: uniqueEmail("secure"), password: "correct-horse-battery" }),
    }),
    { ...env, APP_URL: "https://gatehouse.example" },
  );
  expect(res.status).toBe(200);
  expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-gh_session=.*; Secure$/);
});

test("a duplicate email, in any case, gets a clear 409 and no second account", async () => {
  const email = uniqueEmail("dup");
  await signedInAgent(email);
  const before = await countUsers();
  const res = await agent().fetch("/api/auth/signup", json({ email: email.toUpperCase(), password: "another-password" }));
  expect(res.status).toBe(409);
  expect(await res.json()).toMatchObject({ error: "email_taken", message: expect.stringContaining("already exists") });
  const page = await agent().fetch("/signup", form({ email, password: "another-password" }));
  expect(page.status).toBe(409);
  expect(await page.text()).toContain("An account with this email already exists");
  expect(await countUsers()).toBe(before);
});

test("concurrent signups for one email create exactly one account", async () => {
  const email = uniqueEmail("race");
  const results = await Promise.all(
    Array.from({ length: 5 }, () => agent().fetch("/api/auth/signup", json({ email, password: "correct-horse" }))),
  );
  expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
  const n = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>();
  expect(n?.n).toBe(1);
});

const badSignups: [string, RequestInit, number][] = [
  ["missing fields", json({}), 422],
  ["missing password", json({ email: "x@example.com" }), 422],
  ["wrong types", json({ email: 5, password: ["a"] }), 422],
  ["invalid email", json({ email: "not-an-email", password: "correct-horse" }), 422],
  ["short password", json({ email: "short@example.com", password: "1234567" }), 422],
  ["password over 256", json({ email: "long@example.com", password: "x".repeat(257) }), 422],
  ["garbage JSON", json('{"email":'), 400],
  ["JSON array", json([1, 2]), 422],
  ["huge body", json({ email: "big@example.com", password: "x".repeat(300_000) }), 413],
];

for (const [name, init, status] of badSignups) {
  test(`signup API refuses ${name} with ${status} and writes nothing`, async () => {
    const users = await countUsers();
    const sessions = await countSessions();
    const res = await agent().fetch("/api/auth/signup", init);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.message.length).toBeGreaterThan(5);
    expect(await countUsers()).toBe(users);
    expect(await countSessions()).toBe(sessions);
  });
}

test("the signup form names each bad field and keeps the typed email", async () => {
  const users = await countUsers();
  const res = await agent().fetch("/signup", form({ email: "nope", password: "short" }));
  expect(res.status).toBe(422);
  const html = await res.text();
  expect(html).toContain("Enter a valid email address.");
  expect(html).toContain("Password must be at least 10 characters.");
  expect(html).toContain('value="nope"');
  expect(await countUsers()).toBe(users);
});

test("a body that is not a form gets a 400 from the form pages", async () => {
  for (const path of ["/signup", "/login"]) {
    const res = await agent().fetch(path, {
      method: "POST",
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
      body: "garbage",
    });
    expect(res.status).toBe(400);
  }
});

test("a wrong password and an unknown email get the same answer", async () => {
  const { user } = await signedInAgent();
  const wrong = await agent().fetch("/api/auth/login", json({ email: user.email, password: "wrong-password" }));
  const unknown = await agent().fetch("/api/auth/login", json({ email: uniqueEmail("ghost"), password: "wrong-password" }));
  expect(wrong.status).toBe(401);
  expect(unknown.status).toBe(401);
  expect(await wrong.json()).toEqual(await unknown.json());
  const formWrong = await agent().fetch("/login", form({ email: user.email, password: "wrong-password" }));
  const formUnknown = await agent().fetch("/login", form({ email: uniqueEmail("ghost"), password: "wrong-password" }));
  expect(formWrong.status).toBe(401);
  expect(formUnknown.status).toBe(401);
  expect(await formWrong.text()).toContain("Email or password is incorrect.");
  expect(await formUnknown.text()).toContain("Email or password is incorrect.");
});

test("login through the form (remix-auth) issues a new session id each time", async () => {
  const { user, password } = await signedInAgent();
  const a = agent();
  a.cookie = "gh_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // a planted cookie is never adopted
  const first = await a.fetch("/login", form({ email: user.email, password, redirectTo: "/pricing" }));
  expect(first.status).toBe(302);
  expect(first.headers.get("Location")).toBe("/pricing");
  const firstCookie = a.cookie;
  expect(firstCookie).not.toContain("AAAAAAAA");
  const second = await a.fetch("/login", form({ email: user.email, password }));
  expect(second.status).toBe(302);
  expect(a.cookie).not.toBe(firstCookie);
});

test("signed-in users are sent on from the login and signup pages", async () => {
  const { agent: a } = await signedInAgent();
  for (const path of ["/login", "/signup"]) {
    const res = await a.fetch(path);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/dashboard");
  }
});

for (const redirectTo of ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/%0d%0aSet-Cookie:x"]) {
  test(`redirectTo ${JSON.stringify(redirectTo)} is ignored`, async () => {
    const { user, password } = await signedInAgent();
    const res = await agent().fetch("/login", form({ email: user.email, password, redirectTo }));
    expect(res.status).toBe(302);
    const location = res.headers.get("Location")!;
    expect(location.startsWith("/")).toBe(true);
    expect(location.startsWith("//")).toBe(false);
    expect(location).not.toContain("evil");
  });
}

test("logout deletes the server-side session; the old cookie stops working", async () => {
  const { agent: a } = await signedInAgent();
  const cookie = a.cookie;
  const res = await a.fetch("/logout", { method: "POST" });
  expect(res.status).toBe(302);
  expect(res.headers.get("Set-Cookie")).toContain("Max-Age=0");
  const replay = agent();
  replay.cookie = cookie;
  expect((await replay.fetch("/api/me")).status).toBe(401);
  expect((await replay.fetch("/dashboard")).status).toBe(302);
});

test("logout is POST only", async () => {
  const { agent: a } = await signedInAgent();
  const res = await a.fetch("/logout");
  expect(res.status).toBe(302);
  expect((await a.fetch("/api/me")).status).toBe(200);
});

test("idle and absolute timeouts end a session and delete its row", async () => {
  const idle = await signedInAgent();
  await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE user_id = ?")
    .bind(Date.now() - 8 * 24 * 3600 * 1000, idle.user.id)
    .run();
  expect((await idle.agent.fetch("/api/me")).status).toBe(401);

  const old = await signedInAgent();
  await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
    .bind(Date.now() - 1000, old.user.id)
    .run();
  expect((await old.agent.fetch("/api/me")).status).toBe(401);

  // The expired rows are deleted (in waitUntil); poll briefly.
  for (let i = 0; i < 20; i++) {
    const left = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id IN (?, ?)")
      .bind(idle.user.id, old.user.id)
      .first<{ n: number }>();
    if (left?.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("expired sessions were not deleted");
});

test("a hash with old parameters is upgraded at the next login", async () => {
  const { hashPassword } = await import("../../app/infra/auth/password.server");
  const email = uniqueEmail("legacy");
  const legacy = await hashPassword("correct-horse", 1000);
  await env.DB.prepare("INSERT INTO users (id, email, password_hash, is_system_admin, created_at) VALUES (?, ?, ?, 0, ?)")
    .bind(`usr_legacy_${Date.now()}`, email, legacy, Date.now())
    .run();
  const res = await agent().fetch("/api/auth/login", json({ email, password: "correct-horse" }));
  expect(res.status).toBe(200);
  const row = await env.DB.prepare("SELECT password_hash FROM users WHERE email = ?").bind(email).first<{ password_hash: string }>();
  expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$v1\$100000\$/);
});

test("/api/me: 401 JSON signed out (also with a garbage cookie), 405 for writes", async () => {
  const anon = await agent().fetch("/api/me");
  expect(anon.status).toBe(401);
  expect(await anon.json()).toMatchObject({ error: "unauthorized" });
  const garbage = agent();
  garbage.cookie = "gh_session=%00%ff<script>";
  expect((await garbage.fetch("/api/me")).status).toBe(401);
  const { agent: a } = await signedInAgent();
  const post = await a.fetch("/api/me", json({ anything: true }));
  expect(post.status).toBe(405);
  expect(await post.json()).toMatchObject({ error: "method_not_allowed" });
  const me = await a.fetch("/api/me");
  expect(me.headers.get("Cache-Control")).toBe("private, no-store");
});

test(`cross-site writes are refused with 403 before anything is written (${BASE})`, async () => {
  const users = await countUsers();
  const evilOrigin = await agent().fetch("/api/auth/signup", {
    ...json({ email: uniqueEmail("csrf"), password: "correct-horse" }),
    headers: { "Content-Type": "application/json", Origin: "https://evil.example" },
  });
  expect(evilOrigin.status).toBe(403);
  const evilSite = await agent().fetch("/signup", {
    ...form({ email: uniqueEmail("csrf"), password: "correct-horse" }),
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site" },
  });
  expect(evilSite.status).toBe(403);
  expect(await countUsers()).toBe(users);
  const { agent: a } = await signedInAgent();
  const logout = await a.fetch("/logout", { method: "POST", headers: { Origin: "https://evil.example" } });
  expect(logout.status).toBe(403);
  expect((await a.fetch("/api/me")).status).toBe(200);
});

// The opening tag of the element with this id in a server-rendered page.
const tagWithId = (html: string, id: string) => html.match(new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`))?.[0] ?? "";

test("a refused signup form is a 422 page with each error beside its field (no JavaScript needed), the email kept and the password never sent back", async () => {
  const res = await agent().fetch("/signup", form({ email: "not-an-email", password: "Tiny9q" }));
  expect(res.status).toBe(422);
  const html = await res.text();
  const email = tagWithId(html, "signup-email");
  expect(email).toContain('aria-invalid="true"');
  expect(email).toContain('aria-describedby="signup-email-error"');
  expect(email).toContain('value="not-an-email"');
  expect(html).toContain('id="signup-email-error">Enter a valid email address.</p>');
  expect(tagWithId(html, "signup-password")).toContain('aria-describedby="signup-password-error signup-password-description"');
  expect(html).toContain('id="signup-password-error">Password must be at least 10 characters.</p>');
  expect(html).not.toContain("Tiny9q");
});
