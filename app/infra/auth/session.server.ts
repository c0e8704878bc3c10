import { and, eq } from "drizzle-orm";
import { type Db, schema } from "../d1/db.server";
import { hex } from "../hex";

// Server-side sessions: the cookie holds a random token, the database holds its SHA-256.
// Logout deletes the row; an idle or absolute timeout ends a session even if the cookie lives on.
// Under an https APP_URL the cookie is `__Host-` prefixed: browsers then keep it only when it is
// Secure, has Path=/ and no Domain, so a sibling subdomain or a plain-http page cannot plant one.
export const SESSION_COOKIE = "gh_session";
export const SECURE_SESSION_COOKIE = "__Host-gh_session";
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
// last_seen_at is refreshed at most this often, so a page view is not a database write.
const TOUCH_EVERY_MS = 10 * 60 * 1000;

export type SessionUser = { id: string; email: string; isSystemAdmin: boolean; emailVerified: boolean; locale?: string | null };
export type ActiveSession = { sessionId: string; user: SessionUser };

export async function hashToken(token: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Whether the request carries a session cookie at all (either name, any value): such a request is never served from a shared cache. */
export function carriesSessionCookie(request: Request): boolean {
  const header = request.headers.get("Cookie");
  if (!header) return false;
  return header.split(";").some((part) => {
    const name = part.slice(0, Math.max(part.indexOf("="), 0)).trim();
    return name === SESSION_COOKIE || name === SECURE_SESSION_COOKIE;
  });
}

/** The session token from the cookie this deployment sets (`__Host-` prefixed when APP_URL is https). */
export function readSessionToken(request: Request, opts: { secure: boolean }): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  const name = cookieName(opts.secure);
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      // Tokens are 43 base64url characters; anything else is not ours.
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
    }
  }
  return null;
}

export async function createSession(deps: { db: Db; userId: string; userAgent: string | null; now: number }) {
  const token = newToken();
  const expiresAt = deps.now + SESSION_ABSOLUTE_MS;
  await deps.db.insert(schema.sessions).values({
    id: await hashToken(token),
    userId: deps.userId,
    createdAt: deps.now,
    lastSeenAt: deps.now,
    expiresAt,
    userAgent: deps.userAgent?.slice(0, 256) ?? null,
  });
  return { token, expiresAt };
}

// Admin rights need a verified address, whatever the flag says: an account promoted before
// verification existed (or by a squatter of an ADMIN_EMAILS address) acts as admin only once its
// owner has proven the address.
const SESSION_SQL = `SELECT s.last_seen_at, s.expires_at, u.id AS user_id, u.email,
    (u.is_system_admin AND u.email_verified_at IS NOT NULL) AS is_system_admin, u.email_verified_at, u.locale
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;
type SessionRow = {
  last_seen_at: number;
  expires_at: number;
  user_id: string;
  email: string;
  is_system_admin: number;
  email_verified_at: number | null;
  locale: string | null;
};

export type SessionLookup = { session: ActiveSession | null; alongside: unknown[][] | null };

/**
 * Resolves the request's session; expired or idle sessions are deleted and count as none. With
 * `alongside`, statements keyed by the session id run in the same D1 round trip (one batch) and
 * their rows (one array per statement) come back only when the session is active.
 */
export async function lookupSession(deps: {
  db: Db;
  request: Request;
  now: number;
  defer: (p: Promise<unknown>) => void;
  alongside?: (sessionId: string) => D1PreparedStatement[];
  /** Whether APP_URL is https: which cookie name this deployment uses. */
  secure: boolean;
}): Promise<SessionLookup> {
  const none = { session: null, alongside: null };
  const token = readSessionToken(deps.request, { secure: deps.secure });
  if (!token) return none;
  const id = await hashToken(token);
  const d1 = deps.db.$client;
  const lookup = d1.prepare(SESSION_SQL).bind(id);
  const more = deps.alongside?.(id) ?? [];
  const [sessionResult, ...alongsideResults] = more.length > 0 ? await d1.batch([lookup, ...more]) : [await lookup.all<SessionRow>()];
  const row = sessionResult?.results[0] as SessionRow | undefined;
  if (!row) return none;
  if (row.expires_at <= deps.now || row.last_seen_at + SESSION_IDLE_MS <= deps.now) {
    deps.defer(deps.db.delete(schema.sessions).where(eq(schema.sessions.id, id)).run());
    return none;
  }
  if (deps.now - row.last_seen_at > TOUCH_EVERY_MS) {
    deps.defer(deps.db.update(schema.sessions).set({ lastSeenAt: deps.now }).where(eq(schema.sessions.id, id)).run());
  }
  return {
    session: {
      sessionId: id,
      user: {
        id: row.user_id,
        email: row.email,
        isSystemAdmin: Boolean(row.is_system_admin),
        emailVerified: row.email_verified_at !== null,
        locale: row.locale,
      },
    },
    alongside: more.length > 0 ? alongsideResults.map((r) => r.results) : null,
  };
}

export async function destroySession(deps: { db: Db; request: Request; secure: boolean }) {
  const token = readSessionToken(deps.request, { secure: deps.secure });
  if (!token) return;
  await deps.db.delete(schema.sessions).where(and(eq(schema.sessions.id, await hashToken(token))));
}

/** Cookies are Secure and `__Host-` prefixed whenever the app's public URL is https (config, not the request). */
export const isSecureAppUrl = (config: { appIsHttps: boolean }) => config.appIsHttps;

const cookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

export function sessionCookie(token: string, opts: { secure: boolean; expiresAt: number; now: number }): string {
  const maxAge = Math.floor((opts.expiresAt - opts.now) / 1000);
  return [`${cookieName(opts.secure)}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`, opts.secure ? "Secure" : null]
    .filter(Boolean)
    .join("; ");
}

export function clearSessionCookie(opts: { secure: boolean }): string {
  return [`${cookieName(opts.secure)}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", opts.secure ? "Secure" : null]
    .filter(Boolean)
    .join("; ");
}
