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
// - The HTML carries the CSP nonce of the response that rendered it (kept in a header of the copy):
//   a hit gets the fresh request's nonce in its place, so the page's inline scripts still match its
//   Content-Security-Policy.
// - Each isolate also keeps the copies it stored or fetched, under the same key, in its own memory
//   (ADR 029): the Cache API shares a copy between isolates, the memory answers the next hit in this
//   isolate with no I/O at all. Strings only, a bounded number, each for the edge copy's lifetime.
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
// The CSP nonce the copy was rendered with: a hit puts its own in its place.
const RENDERED_NONCE = "X-Gatehouse-Rendered-Nonce";
/** How many copies an isolate keeps in memory (languages × the two paths × a catalog change or two). */
export const STOREFRONT_MEMORY_COPIES = 32;

/** A stored answer as a hit serves it: its headers, and its body cut at the rendering nonce. */
export type StorefrontCopy = { status: number; headers: [string, string][]; parts: string[]; expiresAt: number };

export type StorefrontMemory = {
  get: (key: string, now: number) => StorefrontCopy | null;
  set: (key: string, copy: StorefrontCopy) => void;
  clear: () => void;
};

/** An isolate's own copies, by cache key; the oldest go first when full. */
export function storefrontMemory(max = STOREFRONT_MEMORY_COPIES): StorefrontMemory {
  const copies = new Map<string, StorefrontCopy>();
  return {
    get(key, now) {
      const copy = copies.get(key);
      if (copy && copy.expiresAt > now) return copy;
      if (copy) copies.delete(key);
      return null;
    },
    set(key, copy) {
      copies.delete(key);
      copies.set(key, copy);
      while (copies.size > max) copies.delete(copies.keys().next().value!);
    },
    clear: () => copies.clear(),
  };
}

/** This isolate's copies (module state on purpose, like the catalog version it is keyed by: strings and numbers only). */
export const isolateStorefrontMemory: StorefrontMemory = storefrontMemory();

/** What answering a hit needs: no D1, no load context. */
export type StorefrontHitDeps = {
  /** The Cache API's default cache (caches.default in workerd). */
  cache: Cache;
  /** This isolate's memory of the catalog version. */
  versions: CatalogVersions;
  /** This isolate's copies of cached answers. */
  memory: StorefrontMemory;
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
  return lookUp(storefrontKey(request, version, deps.release, await deps.locale()), deps);
}

// This isolate's copy, else the edge's (remembered here for the next hit); null when neither has one.
async function lookUp(key: Request, deps: StorefrontHitDeps): Promise<Response | null> {
  const mine = deps.memory.get(key.url, deps.now);
  if (mine) return served(mine, deps.nonce);
  const hit = await deps.cache.match(key);
  if (!hit) return null;
  const copy = servable(hit) ? copyOf(hit, await hit.text(), deps.now) : null;
  if (!copy) return null;
  deps.memory.set(key.url, copy);
  return served(copy, deps.nonce);
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
  const hit = await lookUp(key, deps);
  if (hit) return hit;

  const response = await render(request);
  if (response.status !== 200 || response.headers.has("Set-Cookie") || !response.body) return response;
  // The body streams to the visitor and, after the response, into the cache and this isolate's
  // memory; a failed put costs a miss, never the answer.
  const [visitor, copy] = response.body.tee();
  const stored = new Headers(response.headers);
  stored.set(ORIGINAL_CACHE_CONTROL, response.headers.get("Cache-Control") ?? "");
  stored.set(RENDERED_NONCE, deps.nonce);
  stored.set("Cache-Control", `public, s-maxage=${STOREFRONT_TTL_SECONDS}`);
  const store = async () => {
    const text = await new Response(copy).text();
    await deps.cache.put(key, new Response(text, { status: 200, headers: stored }));
    deps.memory.set(key.url, copyOf({ status: 200, headers: stored }, text, deps.now));
  };
  deps.defer(
    store().catch((e: unknown) => {
      console.error("storefront cache put failed", e);
    }),
  );
  const headers = new Headers(response.headers);
  headers.set("X-Cache", "MISS");
  headers.append("Vary", "Cookie");
  return new Response(visitor, { status: 200, statusText: response.statusText, headers });
}

const isHtml = (headers: Headers) => (headers.get("Content-Type") ?? "").includes("text/html");

// A page whose rendering nonce is unknown could not run its scripts: it is rendered again instead.
const servable = (stored: Response) => !isHtml(stored.headers) || stored.headers.has(RENDERED_NONCE);

// What a hit serves, made once per copy: the body cut at its rendering nonce, the headers a visitor gets.
function copyOf(stored: { status: number; headers: Headers }, text: string, now: number): StorefrontCopy {
  const nonce = stored.headers.get(RENDERED_NONCE);
  const headers = new Headers(stored.headers);
  const original = headers.get(ORIGINAL_CACHE_CONTROL);
  // What the route said (the security headers add `private, no-store` where it said nothing).
  if (original) headers.set("Cache-Control", original);
  else headers.delete("Cache-Control");
  // The edge's and our own bookkeeping headers are not the visitor's business.
  for (const name of [ORIGINAL_CACHE_CONTROL, RENDERED_NONCE, "CF-Cache-Status", "Age", "Expires"]) headers.delete(name);
  headers.set("X-Cache", "HIT");
  headers.append("Vary", "Cookie");
  return {
    status: stored.status,
    headers: [...headers],
    parts: isHtml(stored.headers) && nonce ? text.split(nonce) : [text],
    expiresAt: now + STOREFRONT_TTL_SECONDS * 1000,
  };
}

// A nonce is 16 random bytes in base64: it occurs in the page only where the page was given it.
function served(copy: StorefrontCopy, nonce: string): Response {
  return new Response(copy.parts.join(nonce), { status: copy.status, headers: copy.headers });
}
