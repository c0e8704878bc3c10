import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../app/worker";

export const BASE = "http://127.0.0.1:8787";

/**
 * One request into the Worker's own fetch handler, not through SELF, waiting for its waitUntil
 * work. For files that make thousands of requests (under vitest-pool-workers every SELF.fetch gets
 * slower as a workerd instance serves more of them, cloudflare/workers-sdk#15446) and for an env
 * other than the test's own.
 */
export async function callWorker(request: Request, workerEnv: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Parameters<typeof worker.fetch>[0], workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export type Agent = { cookie: string | null; fetch: (path: string, init?: RequestInit) => Promise<Response> };

/** A test client that keeps the session cookie like a browser and sends same-origin headers. */
export function agent(): Agent {
  const a: Agent = {
    cookie: null,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (a.cookie) headers.set("Cookie", a.cookie);
      // Browsers always send Host; Remix compares it with Origin on document actions.
      if (!headers.has("Host")) headers.set("Host", new URL(BASE).host);
      if (init.method && init.method !== "GET" && !headers.has("Origin")) headers.set("Origin", BASE);
      const res = await SELF.fetch(`${BASE}${path}`, { ...init, headers, redirect: "manual" });
      const set = res.headers.get("Set-Cookie");
      if (set) {
        const pair = set.split(";")[0]!;
        a.cookie = pair.endsWith("=") ? null : pair;
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

/** Signs up a fresh user through the JSON API and returns a signed-in agent. */
export async function signedInAgent(email = uniqueEmail(), password = "correct-horse-battery") {
  const a = agent();
  const res = await a.fetch("/api/auth/signup", json({ email, password }));
  if (res.status !== 200) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string; email: string } };
  return { agent: a, user: body.user, password };
}
