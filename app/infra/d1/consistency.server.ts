import { readSessionToken, SECURE_SESSION_COOKIE, SESSION_COOKIE, SESSION_IDLE_MS } from "../auth/session.server";

// D1 read replication through the Sessions API (ADR 021). Which copy of the database a request may
// read is decided here, once per request, from the request alone (method, path, cookies); the
// response then carries the user's new bookmark. Writes always go to the primary, whatever we pick.
export const BOOKMARK_COOKIE = "gh_d1";
export const SECURE_BOOKMARK_COOKIE = "__Host-gh_d1";

// Bookmarks are opaque to us; D1's (local and, as published, remote) are dash-separated hex
// fields. Anything else is not one we set and is ignored, never handed to D1.
const BOOKMARK_SHAPE = /^[0-9a-f]{1,64}(?:-[0-9a-f]{1,64}){1,7}$/i;

// Signed-in pages that wait for someone else's write (the webhook provisioning a purchase): the
// user's bookmark may predate it, so these start at the primary, where it lands first.
const WAITS_FOR_OTHERS = [/^\/checkout\/return(?:\.data)?$/, /^\/api\/purchase-intents\/[^/]+$/];

export type ReadPlan =
  /** No Sessions API: every statement goes to the primary (machine callers and anonymous writes). */
  | { mode: "primary" }
  /** A D1 session starting from a constraint (`first-primary`, `first-unconstrained`) or a bookmark; `signedIn` answers carry the new bookmark. */
  | { mode: "session"; start: string; signedIn: boolean };

/** Where a request may read: anonymous GETs any replica; signed-in users from their own bookmark; the rest the primary. */
export function planReads(req: { method: string; pathname: string; signedIn: boolean; bookmark: string | null }): ReadPlan {
  const read = req.method === "GET" || req.method === "HEAD";
  if (!req.signedIn) return read ? { mode: "session", start: "first-unconstrained", signedIn: false } : { mode: "primary" };
  if (!read || !req.bookmark || WAITS_FOR_OTHERS.some((p) => p.test(req.pathname))) {
    return { mode: "session", start: "first-primary", signedIn: true };
  }
  return { mode: "session", start: req.bookmark, signedIn: true };
}

/** The bookmark cookie of this deployment (`__Host-` prefixed when APP_URL is https), if it has a bookmark's shape. */
export function readBookmark(request: Request, opts: { secure: boolean }): string | null {
  const name = opts.secure ? SECURE_BOOKMARK_COOKIE : BOOKMARK_COOKIE;
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq >= 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return BOOKMARK_SHAPE.test(value) ? value : null;
    }
  }
  return null;
}

/** Host-only like the session cookie (ADR 011): HttpOnly, SameSite=Lax, Secure and `__Host-` under https. */
export function bookmarkCookie(bookmark: string, opts: { secure: boolean }): string {
  const name = opts.secure ? SECURE_BOOKMARK_COOKIE : BOOKMARK_COOKIE;
  return [`${name}=${bookmark}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${SESSION_IDLE_MS / 1000}`, opts.secure ? "Secure" : null]
    .filter(Boolean)
    .join("; ");
}

export function clearBookmarkCookie(opts: { secure: boolean }): string {
  return bookmarkCookie("", opts).replace(/Max-Age=\d+/, "Max-Age=0");
}

export type RequestD1 = {
  /** What the request's drizzle client and raw statements run on. */
  d1: D1Database;
  /** The response with the user's new bookmark cookie, when this request is a signed-in user's. */
  withBookmark: (response: Response) => Response;
};

/** The D1 handle of one request, per `planReads`, and the step that hands the new bookmark back. */
export function requestD1(binding: D1Database, request: Request, opts: { secure: boolean }): RequestD1 {
  const plan = planReads({
    method: request.method,
    pathname: new URL(request.url).pathname,
    signedIn: readSessionToken(request, opts) !== null,
    bookmark: readBookmark(request, opts),
  });
  if (plan.mode === "primary") return { d1: binding, withBookmark: (r) => r };
  const session = binding.withSession(plan.start);
  return {
    // A session has prepare() and batch(), all that drizzle and the app's raw statements use.
    d1: session as unknown as D1Database,
    withBookmark: (response) => {
      if (!plan.signedIn || signsOut(response, opts)) return response;
      // A failure that started from the user's bookmark drops it, so a bookmark D1 refuses (a forged
      // one ahead of every copy, say) cannot pin the user to errors: the next request starts fresh.
      const failedOnBookmark = response.status >= 500 && plan.start !== "first-primary";
      const bookmark = failedOnBookmark ? "" : session.getBookmark();
      if (bookmark === null || (bookmark !== "" && !BOOKMARK_SHAPE.test(bookmark))) return response;
      const headers = new Headers(response.headers);
      headers.append("Set-Cookie", bookmark ? bookmarkCookie(bookmark, opts) : clearBookmarkCookie(opts));
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    },
  };
}

// Logout (or an ended session) clears the session cookie: no bookmark is handed to a signed-out browser.
function signsOut(response: Response, opts: { secure: boolean }): boolean {
  const prefix = `${opts.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE}=;`;
  return response.headers.getSetCookie().some((c) => c.startsWith(prefix));
}
