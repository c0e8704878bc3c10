import { expect, test } from "vitest";
import { contentSecurityPolicy } from "./guards.server";

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
