import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../app/worker";
import { nextClientAddress } from "../support/client-address";
import { appEnv, drainQueue } from "./queue";

export const BASE = "http://127.0.0.1:8787";

type FetchHandler = { fetch: (typeof worker)["fetch"] };
// The Worker test requests go into: the app's, unless a test file names another (the bench entry's
// tests send theirs to the bench entry that wraps the app). Module state, so per test file.
let target: FetchHandler = worker;
export function sendRequestsTo(handler: FetchHandler) {
  target = handler;
}

/**
 * One request into the Worker's own fetch handler, not through SELF, waiting for its waitUntil
 * work (so what a response leaves for later, e.g. email delivery, has happened when it returns).
 * Every test request goes this way: under vitest-pool-workers every SELF.fetch gets slower as a
 * workerd instance serves more of them (cloudflare/workers-sdk#15446), from ~10 ms to ~300 ms by
 * the end of the integration run, which made it ~4 minutes instead of ~1. Also how a test sends an
 * env other than its own, and a body without Content-Length (as a chunked upload arrives).
 * What the request enqueued (a webhook's event) has been through the Worker's queue() too when it
 * returns (./queue.ts).
 */
export async function callWorker(request: Request, workerEnv: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const requestEnv = appEnv(workerEnv);
  const response = await target.fetch(request as Parameters<typeof worker.fetch>[0], requestEnv, ctx);
  await waitOnExecutionContext(ctx);
  await drainQueue(requestEnv);
  return response;
}

export type Agent = {
  /** The session cookie (`name=value`), or null when signed out. */
  cookie: string | null;
  /** The D1 bookmark cookie (`name=value`, ADR 021), kept and sent like a browser's. */
  bookmark: string | null;
  ip: string;
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
};

/**
 * A test client that keeps the session and bookmark cookies like a browser and sends same-origin
 * headers. Each agent is its own client address, so per-client rate limits apply to it as to one browser.
 */
export function agent(ip = nextClientAddress()): Agent {
  const a: Agent = {
    cookie: null,
    bookmark: null,
    ip,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      const cookies = [a.cookie, a.bookmark].filter(Boolean).join("; ");
      if (cookies) headers.set("Cookie", cookies);
      if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", a.ip);
      // Browsers always send Host; Remix compares it with Origin on document actions.
      if (!headers.has("Host")) headers.set("Host", new URL(BASE).host);
      if (init.method && init.method !== "GET" && !headers.has("Origin")) headers.set("Origin", BASE);
      const res = await callWorker(new Request(`${BASE}${path}`, { ...init, headers, redirect: "manual" }));
      for (const set of res.headers.getSetCookie()) {
        const pair = set.split(";")[0]!;
        const value = pair.endsWith("=") ? null : pair;
        if (/^(__Host-)?gh_d1=/.test(pair)) a.bookmark = value;
        else a.cookie = value;
      }
      return res;
    },
  };
  return a;
}

export const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

export const json = (body: unknown, method = "POST") => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

let counter = 0;
export const uniqueEmail = (prefix = "user") => `${prefix}-${Date.now().toString(36)}-${++counter}@example.com`;

/** Signs up a fresh (unverified) user through the JSON API and returns a signed-in agent. */
export async function signedInAgent(email = uniqueEmail(), password = "correct-horse-battery") {
  const a = agent();
  const res = await a.fetch("/api/auth/signup", json({ email, password }));
  if (res.status !== 200) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string; email: string } };
  return { agent: a, user: body.user, password };
}

/** The link in the newest email of `template` to `to`, as its recipient would click it (read from the outbox). */
export async function linkFromOutbox(to: string, template: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT text_body FROM email_outbox WHERE to_address = ? AND template = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(to, template)
    .first<{ text_body: string }>();
  if (!row) throw new Error(`no ${template} email to ${to} in the outbox`);
  const url = /https?:\/\/\S+[?&]token=[A-Za-z0-9_-]{43}/.exec(row.text_body)?.[0];
  if (!url) throw new Error(`the ${template} email to ${to} has no link`);
  return url;
}

/** Opens the verification link sent to `email` and confirms it, as its owner would. */
export async function verifyEmail(a: Agent, email: string, template: "verify_email" | "change_email" = "verify_email") {
  const link = new URL(await linkFromOutbox(email, template));
  const res = await a.fetch("/verify-email", form({ token: link.searchParams.get("token")! }));
  if (res.status !== 200) throw new Error(`verification failed: ${res.status} ${await res.text()}`);
  return res;
}

/** A signed-up user who has verified their address. */
export async function verifiedAgent(email = uniqueEmail(), password = "correct-horse-battery") {
  const signedIn = await signedInAgent(email, password);
  await verifyEmail(signedIn.agent, signedIn.user.email);
  return signedIn;
}

/**
 * Rate-limit bindings count in fixed windows aligned to the clock (a new count every `periodS`
 * seconds). A test that expects a limit to bite after n attempts must make them inside one window:
 * if the current one has less than `needMs` left, this waits for the next (at most `needMs`).
 */
export async function sameRateLimitWindow(needMs: number, periodS = 60) {
  const left = periodS * 1000 - (Date.now() % (periodS * 1000));
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

/** The page's text as a reader sees it (React separates adjacent text with <!-- -->). */
export const pageText = async (res: Response) => (await res.text()).replace(/<!-- -->/g, "");

/** The text a reader sees: tags, scripts and styles removed, entities for quotes decoded. */
export const visibleText = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

/** Rows of `table` matching `where` (our own SQL, bound values), for before/after comparisons. */
export const countRows = async (table: string, where = "1 = 1", ...binds: unknown[]) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...binds)
    .first<{ n: number }>())!.n;
