import { expect, test } from "vitest";
import { planReads, readBookmark } from "./consistency.server";

const BOOKMARK = "00000000-0000000e-00000000-00000000000000000000000000000000";
const plan = (method: string, pathname: string, signedIn: boolean, bookmark: string | null = null) =>
  planReads({ method, pathname, signedIn, bookmark });

test("anonymous reads may use any replica; anonymous writes (webhooks, login, signup) go to the primary without a session", () => {
  expect(plan("GET", "/pricing", false)).toEqual({ mode: "session", start: "first-unconstrained", signedIn: false });
  expect(plan("HEAD", "/", false)).toEqual({ mode: "session", start: "first-unconstrained", signedIn: false });
  // A bookmark without a session cookie is no user's: ignored.
  expect(plan("GET", "/pricing", false, BOOKMARK)).toEqual({ mode: "session", start: "first-unconstrained", signedIn: false });
  for (const path of ["/api/stripe/webhook", "/api/billing/webhook", "/login", "/api/auth/signup"]) {
    expect(plan("POST", path, false)).toEqual({ mode: "primary" });
  }
});

test("a signed-in user reads from their bookmark; without one, and for every write, from the primary", () => {
  expect(plan("GET", "/dashboard", true, BOOKMARK)).toEqual({ mode: "session", start: BOOKMARK, signedIn: true });
  expect(plan("GET", "/dashboard.data", true, BOOKMARK)).toEqual({ mode: "session", start: BOOKMARK, signedIn: true });
  expect(plan("GET", "/dashboard", true)).toEqual({ mode: "session", start: "first-primary", signedIn: true });
  for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
    expect(plan(method, "/dashboard", true, BOOKMARK)).toEqual({ mode: "session", start: "first-primary", signedIn: true });
  }
});

test("pages waiting for a webhook's write (checkout return, intent polling) read from the primary whatever the bookmark", () => {
  for (const path of ["/checkout/return", "/checkout/return.data", "/api/purchase-intents/int_00000000000000000000"]) {
    expect(plan("GET", path, true, BOOKMARK)).toEqual({ mode: "session", start: "first-primary", signedIn: true });
  }
  // Only those paths: a page beside them keeps the bookmark.
  expect(plan("GET", "/checkout/start", true, BOOKMARK)).toEqual({ mode: "session", start: BOOKMARK, signedIn: true });
});

test("only a bookmark-shaped value of this deployment's cookie is read", () => {
  const req = (cookie: string) => new Request("http://app.test/", { headers: { Cookie: cookie } });
  expect(readBookmark(req(`gh_session=x; gh_d1=${BOOKMARK}`), { secure: false })).toBe(BOOKMARK);
  expect(readBookmark(req(`__Host-gh_d1=${BOOKMARK}`), { secure: true })).toBe(BOOKMARK);
  // The other deployment mode's name is not ours (ADR 011): a planted plain cookie under https is ignored.
  expect(readBookmark(req(`gh_d1=${BOOKMARK}`), { secure: true })).toBeNull();
  for (const bad of ["garbage", "", "<script>", "0000", `${BOOKMARK}z`, `${"a".repeat(65)}-00`]) {
    expect(readBookmark(req(`gh_d1=${bad}`), { secure: false }), bad).toBeNull();
  }
});
