import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { agent, BASE, callWorker, form, json, pageText, uniqueEmail } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";

// D1 read replication through the Sessions API (ADR 021). Locally there is one copy of the
// database, so what these tests can see is the bookmark each answer hands back: local D1's
// getBookmark() is the larger of the bookmark a session started from and its own position (a
// dash-separated, fixed-width hex counter that every statement advances). A session started from
// a bookmark ahead of the database therefore answers with that very bookmark; one started at the
// primary answers with the database's own position.

const BOOKMARK = /^gh_d1=([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}); Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/;
// Well-formed and far ahead of anything this test run's database reaches.
const AHEAD = "00000000-7fffffff-00000000-00000000000000000000000000000000";

const bookmarkOf = (res: Response): string | null => {
  const line = res.headers.getSetCookie().find((c) => c.startsWith("gh_d1="));
  if (!line) return null;
  const m = BOOKMARK.exec(line);
  if (!m) throw new Error(`unexpected bookmark cookie: ${line}`);
  return m[1]!;
};

test("an anonymous GET reads from any copy and sets no cookie", async () => {
  for (const path of ["/pricing", "/api/public/pricing", "/login"]) {
    const res = await agent().fetch(path);
    expect(res.status, path).toBe(200);
    expect(res.headers.getSetCookie(), path).toEqual([]);
  }
});

test("a signed-in GET without a bookmark starts at the primary and hands back a bookmark cookie like the session's", async () => {
  const { agent: user } = await signedIn();
  expect(user.bookmark).toBeNull();
  const res = await user.fetch("/dashboard");
  expect(res.status).toBe(200);
  expect(bookmarkOf(res)).not.toBeNull();
  expect(user.bookmark).toMatch(/^gh_d1=/);
});

test("a request with a bookmark cookie reads through a session constrained by that bookmark", async () => {
  const { agent: user } = await signedIn();
  const fresh = bookmarkOf(await user.fetch("/dashboard"))!;
  expect(fresh < AHEAD).toBe(true);
  user.bookmark = `gh_d1=${AHEAD}`;
  const res = await user.fetch("/dashboard");
  expect(res.status).toBe(200);
  // Only a session that started from the cookie's bookmark can answer with it.
  expect(bookmarkOf(res)).toBe(AHEAD);
});

test("a write's answer sets a newer bookmark, and the next read through it sees the write", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 2 });
  const before = bookmarkOf(await owner.agent.fetch(`/org/${tenant.slug}/roadmap`))!;
  const title = `Bookmarked item ${Date.now().toString(36)}`;
  const wrote = await owner.agent.fetch(`/org/${tenant.slug}/roadmap`, form({ intent: "add", title, column: "now" }));
  expect(wrote.status).toBe(200);
  const after = bookmarkOf(wrote)!;
  expect(after > before).toBe(true);
  const read = await owner.agent.fetch(`/org/${tenant.slug}/roadmap`);
  expect(await pageText(read)).toContain(title);
  expect(bookmarkOf(read)! >= after).toBe(true);
});

test("a malformed or forged bookmark cookie is ignored: the page answers and a real bookmark replaces it", async () => {
  const { agent: user } = await signedIn();
  for (const forged of ["garbage", "<script>alert(1)</script>", "ffff", `${AHEAD}-${"0".repeat(300)}`, "%00%ff", ""]) {
    user.bookmark = `gh_d1=${forged}`;
    const res = await user.fetch("/dashboard");
    expect(res.status, forged).toBe(200);
    const bookmark = bookmarkOf(res);
    expect(bookmark, forged).not.toBeNull();
    expect(bookmark, forged).not.toBe(forged);
  }
});

test("pages waiting for the webhook's write start at the primary, whatever the user's bookmark", async () => {
  const { agent: user } = await signedIn();
  const missing = "int_00000000000000000000";
  for (const path of [`/api/purchase-intents/${missing}`, `/checkout/return?intent=${missing}`]) {
    user.bookmark = `gh_d1=${AHEAD}`;
    const res = await user.fetch(path);
    expect(res.status, path).toBeLessThan(500);
    // The primary's own position, not the (ahead) bookmark the request carried.
    const bookmark = bookmarkOf(res);
    expect(bookmark, path).not.toBeNull();
    expect(bookmark! < AHEAD, path).toBe(true);
  }
});

test("under an https APP_URL the bookmark cookie is __Host- prefixed and Secure; logging out sets none", async () => {
  const httpsEnv = { ...env, APP_URL: "https://gatehouse.example" };
  const call = (path: string, init: RequestInit = {}) =>
    callWorker(
      new Request(`${BASE}${path}`, {
        ...init,
        headers: { Origin: BASE, Host: new URL(BASE).host, ...(init.headers as Record<string, string>) },
      }),
      httpsEnv,
    );
  const signup = await call("/api/auth/signup", json({ email: uniqueEmail("replica"), password: "correct-horse-battery" }));
  // Signing up is an anonymous write: it goes to the primary and hands back only the session cookie.
  expect(signup.headers.getSetCookie()).toHaveLength(1);
  const session = signup.headers.get("Set-Cookie")!.split(";")[0]!;
  const page = await call("/dashboard", { headers: { Cookie: session } });
  expect(page.status).toBe(200);
  const cookies = page.headers.getSetCookie();
  expect(cookies).toHaveLength(1);
  expect(cookies[0]).toMatch(/^__Host-gh_d1=[0-9a-f-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800; Secure$/);
  expect(cookies[0]).not.toMatch(/Domain=/i);
  const out = await call("/logout", { method: "POST", headers: { Cookie: `${session}; ${cookies[0]!.split(";")[0]}` } });
  expect(out.headers.getSetCookie()).toEqual(["__Host-gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"]);
});

async function signedIn() {
  const a = agent();
  const res = await a.fetch("/api/auth/signup", json({ email: uniqueEmail("replica"), password: "correct-horse-battery" }));
  if (res.status !== 200) throw new Error(`signup failed: ${res.status}`);
  return { agent: a };
}
