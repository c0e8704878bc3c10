import { payloadTooLarge } from "./responses.server";

// Request guards that run before Remix (cross-site writes and oversized bodies never reach a route),
// and the security headers every Worker response carries (public/_headers covers static assets).

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Where Stripe posts webhooks: the path and its alias from the MVP plan (one route module). */
export const WEBHOOK_PATHS: ReadonlySet<string> = new Set(["/api/stripe/webhook", "/api/billing/webhook"]);

// Stripe posts webhooks from its own servers; they are authenticated by signature instead.
const CROSS_SITE_EXEMPT = WEBHOOK_PATHS;

/** Every non-GET request except the Stripe webhook must come from this site (Fetch Metadata, then Origin). */
export function isCrossSiteWrite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const url = new URL(request.url);
  if (CROSS_SITE_EXEMPT.has(url.pathname)) return false;
  const site = request.headers.get("Sec-Fetch-Site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("Origin");
  if (origin && origin !== url.origin) return true;
  return false;
}

// Bodies above this are refused before any route reads them (uploads get their own limit).
export const DEFAULT_BODY_LIMIT = 256 * 1024;

// Package uploads enforce their own, configurable limit (UPLOAD_MAX_BYTES) while reading the form.
const isUploadPath = (path: string) => path === "/api/pro/uploads" || path === "/admin/software" || /^\/org\/[^/]+\/software$/.test(path);

export function declaredBodyTooLarge(request: Request, limit = DEFAULT_BODY_LIMIT): boolean {
  // The webhook reads its body with its own limit and answers 400, as Stripe's docs expect; uploads
  // check UPLOAD_MAX_BYTES themselves.
  const path = new URL(request.url).pathname;
  if (WEBHOOK_PATHS.has(path) || isUploadPath(path)) return false;
  const length = request.headers.get("Content-Length");
  return length !== null && Number(length) > limit;
}

/** A fresh nonce for one response's Content-Security-Policy (128 random bits). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export type HeaderPolicy = { nonce: string; appIsHttps: boolean; stripeApiOrigin: string | null; stripeJsOrigin: string | null };

// Browsers apply form-action to the redirect after a form post too: /checkout/start and
// /org/*/billing-portal answer 303 to Stripe's hosted pages (the emulator's origin locally).
const STRIPE_HOSTED_PAGES = ["https://checkout.stripe.com", "https://billing.stripe.com"];

// Embedded Checkout (/checkout/start): Stripe.js from js.stripe.com mounts Checkout in frames and
// talks to Stripe's API (Stripe's published CSP for Stripe.js and embedded Checkout). With
// STRIPE_JS_URL set (dev, tests) the emulator's stand-in is the script and the frame instead.
const STRIPE_JS = {
  script: ["https://js.stripe.com", "https://*.js.stripe.com"],
  frame: ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com", "https://checkout.stripe.com"],
  connect: ["https://api.stripe.com", "https://checkout.stripe.com"],
  img: ["https://*.stripe.com"],
};

/**
 * Scripts run only from this origin, Stripe.js's, or inline with this response's nonce (what Remix
 * renders); style attributes are allowed (a few pages colour with them); nothing frames the app.
 */
export function contentSecurityPolicy(policy: HeaderPolicy): string {
  const [before, after] = cspAround(policy);
  return `${before}${policy.nonce}${after}`;
}

// The policy is the same for every response of one configuration but for its nonce: built once per
// configuration (a Worker has one), as the text before and after the nonce.
const cspParts = new Map<string, [string, string]>();
function cspAround(policy: HeaderPolicy): [string, string] {
  const id = `${policy.stripeApiOrigin ?? ""} ${policy.stripeJsOrigin ?? ""}`;
  let parts = cspParts.get(id);
  if (!parts) {
    const formAction = ["'self'", ...STRIPE_HOSTED_PAGES, ...(policy.stripeApiOrigin ? [policy.stripeApiOrigin] : [])];
    const stripeJs = policy.stripeJsOrigin
      ? { script: [policy.stripeJsOrigin], frame: [policy.stripeJsOrigin], connect: [], img: [] }
      : STRIPE_JS;
    const list = (...sources: string[]) => sources.join(" ");
    const NONCE = "\u0000";
    const text = [
      "default-src 'self'",
      `script-src ${list("'self'", `'nonce-${NONCE}'`, ...stripeJs.script)}`,
      "style-src 'self' 'unsafe-inline'",
      `img-src ${list("'self'", "data:", ...stripeJs.img)}`,
      "font-src 'self'",
      `connect-src ${list("'self'", ...stripeJs.connect)}`,
      `frame-src ${list("'self'", ...stripeJs.frame)}`,
      "object-src 'none'",
      "base-uri 'self'",
      `form-action ${formAction.join(" ")}`,
      "frame-ancestors 'none'",
    ].join("; ");
    const at = text.indexOf(NONCE);
    parts = [text.slice(0, at), text.slice(at + NONCE.length)];
    if (cspParts.size >= 8) cspParts.clear();
    cspParts.set(id, parts);
  }
  return parts;
}

export const PERMISSIONS_POLICY =
  "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), browsing-topics=()";

/** Every Worker response: CSP with this request's nonce, no framing or sniffing, HSTS once the app is on https. */
export function withSecurityHeaders(response: Response, policy: HeaderPolicy): Response {
  // Responses the Worker made have headers it may change in place; a fetched one's are immutable
  // (TypeError), and then it is copied.
  try {
    setSecurityHeaders(response.headers, policy);
    return response;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const headers = new Headers(response.headers);
  setSecurityHeaders(headers, policy);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function setSecurityHeaders(headers: Headers, policy: HeaderPolicy): void {
  headers.set("Content-Security-Policy", contentSecurityPolicy(policy));
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Permissions-Policy", PERMISSIONS_POLICY);
  // HSTS only when the configured origin is https (a plain-http dev host is never pinned).
  if (policy.appIsHttps) headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  // Pages can carry a user's data: nothing is cached unless the route said otherwise.
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "private, no-store");
}

/** A body without Content-Length is streamed through a counter that fails past `limit`. */
export function limitUndeclaredBody(request: Request, limit = DEFAULT_BODY_LIMIT): Request {
  if (!request.body || request.headers.has("Content-Length")) return request;
  // Uploads count their own bytes against UPLOAD_MAX_BYTES.
  if (isUploadPath(new URL(request.url).pathname)) return request;
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      // An AppError, so the route's reader answers 413 (or the webhook's 400) rather than a 500.
      if (seen > limit) controller.error(payloadTooLarge(limit));
      else controller.enqueue(chunk);
    },
  });
  return new Request(request, { body: request.body.pipeThrough(counter) });
}
