import { expect, test } from "vitest";
import { contentSecurityPolicy, withSecurityHeaders } from "./guards.server";

const directive = (csp: string, name: string) => csp.split("; ").find((d) => d.startsWith(`${name} `));

test("in production the CSP lets Stripe.js load from js.stripe.com and mount Checkout in Stripe's frames", () => {
  const csp = contentSecurityPolicy({ nonce: "abc", appIsHttps: true, stripeApiOrigin: null, stripeJsOrigin: null });
  expect(directive(csp, "script-src")).toBe("script-src 'self' 'nonce-abc' https://js.stripe.com https://*.js.stripe.com");
  expect(directive(csp, "frame-src")).toContain("https://checkout.stripe.com");
  expect(directive(csp, "frame-src")).toContain("https://js.stripe.com");
  expect(directive(csp, "connect-src")).toBe("connect-src 'self' https://api.stripe.com https://checkout.stripe.com");
  expect(directive(csp, "frame-ancestors")).toBe("frame-ancestors 'none'");
});

test("with STRIPE_JS_URL set, the CSP allows that origin's script and frames instead of Stripe's", () => {
  const csp = contentSecurityPolicy({
    nonce: "abc",
    appIsHttps: false,
    stripeApiOrigin: "http://127.0.0.1:12111",
    stripeJsOrigin: "http://127.0.0.1:12111",
  });
  expect(directive(csp, "script-src")).toBe("script-src 'self' 'nonce-abc' http://127.0.0.1:12111");
  expect(directive(csp, "frame-src")).toBe("frame-src 'self' http://127.0.0.1:12111");
  expect(csp).not.toContain("js.stripe.com");
});

test("each call gets its own nonce in a policy built once per configuration", () => {
  const policy = { appIsHttps: true, stripeApiOrigin: null, stripeJsOrigin: null };
  const one = contentSecurityPolicy({ ...policy, nonce: "one" });
  const two = contentSecurityPolicy({ ...policy, nonce: "two" });
  expect(directive(one, "script-src")).toContain("'nonce-one'");
  expect(two).toBe(one.replace("'nonce-one'", "'nonce-two'"));
  const local = contentSecurityPolicy({ ...policy, nonce: "one", stripeJsOrigin: "http://127.0.0.1:12111" });
  expect(directive(local, "script-src")).toBe("script-src 'self' 'nonce-one' http://127.0.0.1:12111");
});

test("the security headers go on a response the Worker made and on a copy of one whose headers cannot change", () => {
  const policy = { nonce: "n1", appIsHttps: true, stripeApiOrigin: null, stripeJsOrigin: null };
  const made = new Response("ok", { headers: { "Cache-Control": "public, max-age=60" } });
  const same = withSecurityHeaders(made, policy);
  expect(same).toBe(made);
  // A redirect's headers are immutable (Fetch's Response.redirect).
  const fixed = Response.redirect("https://app.test/elsewhere", 303);
  const copy = withSecurityHeaders(fixed, policy);
  expect(copy).not.toBe(fixed);
  expect([copy.status, copy.headers.get("Location")]).toEqual([303, "https://app.test/elsewhere"]);
  for (const [response, cacheControl] of [
    [same, "public, max-age=60"],
    [copy, "private, no-store"],
  ] as const) {
    expect(response.headers.get("Content-Security-Policy")).toContain("'nonce-n1'");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(response.headers.get("Strict-Transport-Security")).toContain("max-age=");
    expect(response.headers.get("Cache-Control")).toBe(cacheControl);
  }
});
