// The storefront's edge cache (issue 18): anonymous GETs of the public catalog (the pricing page and
// GET /api/public/pricing) are answered from the Cache API (caches.default) for a short while.
//
// - The key holds the catalog's version (one row, bumped by database triggers on every write to
//   products, prices, features, product features and price trials: migration 0012), so a change is
//   a new key. A hit costs no D1 read (ADR 025): `storefrontHit` runs before the load context is
//   built and keys by the version this isolate read less than CATALOG_VERSION_TRUST_MS ago; the
//   admin's catalog actions forget it in their isolate, so there their change shows at once, and
//   elsewhere within that bound. Without a trusted version, `withStorefrontCache` reads it (in the
//   request's own D1 session, so a miss renders a catalog at least that new) and remembers it.
//   The key holds the release too, so a deploy never serves the previous build's HTML (whose asset
//   links would be gone), and the visitor's language: the page is rendered in it.
// - A request that carries a session cookie is never looked up nor stored (signed-in pages name
//   the viewer); neither is a response that sets a cookie, or any status but 200.
// - The HTML carries this response's CSP nonce: a hit gets the fresh request's nonce rewritten into
//   every `nonce` attribute, so the page's inline scripts still match its Content-Security-Policy.
// - `X-Cache: HIT | MISS` says what happened (absent when the cache was bypassed).
import { carriesSessionCookie } from "../auth/session.server";
import { type CatalogVersions } from "../../domain/catalog/catalog-version.server";

/** The public, identical-for-every-visitor paths, exactly (no trailing slash, no `.data`). */
export const STOREFRONT_PATHS: ReadonlySet<string> = new Set(["/pricing", "/api/public/pricing"]);

/** How long an entry lives at the edge; the catalog version makes a change visible before that anyway. */
export const STOREFRONT_TTL_SECONDS = 60;

// The Cache API needs an http(s) URL as key; this host is never fetched.
const KEY_ORIGIN = "https://storefront-cache.gatehouse.internal";
// The route's own Cache-Control, kept beside the edge copy's and restored on a hit.
const ORIGINAL_CACHE_CONTROL = "X-Gatehouse-Cache-Control";

/** What answering a hit needs: no D1, no load context. */
export type StorefrontHitDeps = {
  /** The Cache API's default cache (caches.default in workerd). */
  cache: Cache;
  /** This isolate's memory of the catalog version. */
  versions: CatalogVersions;
  now: number;
  /** The visitor's language (the `lang` cookie or Accept-Language; ADR 023): each has its own copy. */
  locale: () => Promise<string>;
  /** The deployed build (its assets' version): a new release renders anew. */
  release: string;
  /** This response's CSP nonce, written into a hit's HTML. */
  nonce: string;
};

export type StorefrontDeps = StorefrontHitDeps & {
  /** The catalog's version: one D1 read, in the request's own D1 session. */
  readVersion: () => Promise<number>;
  /** Work that finishes after the response (ctx.waitUntil): storing the copy. */
  defer: (work: Promise<unknown>) => void;
};

/** Whether this request may be answered from (and stored in) the storefront cache. */
export function isStorefrontRequest(request: Request): boolean {
  return request.method === "GET" && STOREFRONT_PATHS.has(new URL(request.url).pathname) && !carriesSessionCookie(request);
}

/** The cache key: the path and query, the catalog version, the release and the visitor's language. */
export function storefrontKey(request: Request, version: number, release: string, locale: string): Request {
  const url = new URL(request.url);
  const key = new URL(`${url.pathname}${url.search}`, KEY_ORIGIN);
  key.searchParams.set("__catalog", String(version));
  key.searchParams.set("__release", release);
  key.searchParams.set("__locale", locale);
  return new Request(key.toString(), { method: "GET" });
}

/**
 * The cached answer to a storefront request when this isolate trusts a catalog version and the
 * cache holds the page under it; else null (then `withStorefrontCache`). Reads no D1.
 */
export async function storefrontHit(request: Request, deps: StorefrontHitDeps): Promise<Response | null> {
  if (!isStorefrontRequest(request)) return null;
  const version = deps.versions.trusted(deps.now);
  if (version === null) return null;
  const hit = await deps.cache.match(storefrontKey(request, version, deps.release, await deps.locale()));
  return hit ? served(hit, deps.nonce) : null;
}

/**
 * Answers a storefront request from the cache, or renders it with `render` and stores the answer
 * when it is cacheable. Any other request is passed to `render` untouched.
 */
export async function withStorefrontCache(
  request: Request,
  deps: StorefrontDeps,
  render: (request: Request) => Promise<Response>,
): Promise<Response> {
  if (!isStorefrontRequest(request)) return render(request);
  const version = await deps.versions.read({ read: deps.readVersion, now: deps.now });
  const key = storefrontKey(request, version, deps.release, await deps.locale());
  const hit = await deps.cache.match(key);
  if (hit) return served(hit, deps.nonce);

  const response = await render(request);
  if (response.status !== 200 || response.headers.has("Set-Cookie") || !response.body) return response;
  // The body streams to the visitor and, after the response, into the cache; a failed put costs a
  // miss, never the answer.
  const [visitor, copy] = response.body.tee();
  const stored = new Headers(response.headers);
  stored.set(ORIGINAL_CACHE_CONTROL, response.headers.get("Cache-Control") ?? "");
  stored.set("Cache-Control", `public, s-maxage=${STOREFRONT_TTL_SECONDS}`);
  deps.defer(
    deps.cache.put(key, new Response(copy, { status: 200, headers: stored })).catch((e: unknown) => {
      console.error("storefront cache put failed", e);
    }),
  );
  const headers = new Headers(response.headers);
  headers.set("X-Cache", "MISS");
  headers.append("Vary", "Cookie");
  return new Response(visitor, { status: 200, statusText: response.statusText, headers });
}

function served(hit: Response, nonce: string): Response {
  const headers = new Headers(hit.headers);
  const original = headers.get(ORIGINAL_CACHE_CONTROL);
  headers.delete(ORIGINAL_CACHE_CONTROL);
  // What the route said (the security headers add `private, no-store` where it said nothing).
  if (original) headers.set("Cache-Control", original);
  else headers.delete("Cache-Control");
  // The edge's own bookkeeping headers are not the visitor's business.
  for (const name of ["CF-Cache-Status", "Age", "Expires"]) headers.delete(name);
  headers.set("X-Cache", "HIT");
  headers.append("Vary", "Cookie");
  const response = new Response(hit.body, { status: hit.status, headers });
  if (!(headers.get("Content-Type") ?? "").includes("text/html")) return response;
  return new HTMLRewriter()
    .on("[nonce]", {
      element(el) {
        el.setAttribute("nonce", nonce);
      },
    })
    .transform(response);
}
