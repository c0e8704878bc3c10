import { and, eq } from "drizzle-orm";
import { type Db, schema } from "../d1/db.server";

// Server-side sessions: the cookie holds a random token, the database holds its SHA-256.
// Logout deletes the row; an idle or absolute timeout ends a session even if the cookie lives on.
export const SESSION_COOKIE = "gh_session";
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
// last_seen_at is refreshed at most this often, so a page view is not a database write.
const TOUCH_EVERY_MS = 10 * 60 * 1000;

export type SessionUser = { id: string; email: string; isSystemAdmin: boolean };
export type ActiveSession = { sessionId: string; user: SessionUser };

const toHex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function hashToken(token: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function readSessionToken(request: Request): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
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

/** Resolves the request's session; expired or idle sessions are deleted and count as none. */
export async function getActiveSession(deps: {
  db: Db;
  request: Request;
  now: number;
  defer: (p: Promise<unknown>) => void;
}): Promise<ActiveSession | null> {
  const token = readSessionToken(deps.request);
  if (!token) return null;
  const id = await hashToken(token);
  const row = await deps.db
    .select({
      lastSeenAt: schema.sessions.lastSeenAt,
      expiresAt: schema.sessions.expiresAt,
      userId: schema.users.id,
      email: schema.users.email,
      isSystemAdmin: schema.users.isSystemAdmin,
    })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(eq(schema.sessions.id, id))
    .get();
  if (!row) return null;
  if (row.expiresAt <= deps.now || row.lastSeenAt + SESSION_IDLE_MS <= deps.now) {
    deps.defer(deps.db.delete(schema.sessions).where(eq(schema.sessions.id, id)).run());
    return null;
  }
  if (deps.now - row.lastSeenAt > TOUCH_EVERY_MS) {
    deps.defer(
      deps.db.update(schema.sessions).set({ lastSeenAt: deps.now }).where(eq(schema.sessions.id, id)).run(),
    );
  }
  return { sessionId: id, user: { id: row.userId, email: row.email, isSystemAdmin: row.isSystemAdmin } };
}

export async function destroySession(deps: { db: Db; request: Request }) {
  const token = readSessionToken(deps.request);
  if (!token) return;
  await deps.db.delete(schema.sessions).where(and(eq(schema.sessions.id, await hashToken(token))));
}

export function sessionCookie(token: string, opts: { secure: boolean; expiresAt: number; now: number }): string {
  const maxAge = Math.floor((opts.expiresAt - opts.now) / 1000);
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAge}`,
    opts.secure ? "Secure" : null,
  ]
    .filter(Boolean)
    .join("; ");
}

export function clearSessionCookie(opts: { secure: boolean }): string {
  return [`${SESSION_COOKIE}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", opts.secure ? "Secure" : null]
    .filter(Boolean)
    .join("; ");
}

/** Cookies are Secure everywhere except plain-http local development. */
export const isSecureRequest = (request: Request) => new URL(request.url).protocol === "https:";
