// Node-side harness: starts the emulator with `wrangler dev` for a test run and
// offers a small typed client for the /_emulator control API.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

export interface StartOptions {
  port: number;
  /** null = do not deliver webhooks (deliveries stay pending). Default: the wrangler.toml value. */
  webhookUrl?: string | null;
  webhookSecret?: string;
  /** Defaults to a fresh temporary directory that is removed on stop(). */
  persistTo?: string;
  timeoutMs?: number;
}

export interface RunningEmulator {
  url: string;
  stop: () => Promise<void>;
}

export async function startStripeEmulator(opts: StartOptions): Promise<RunningEmulator> {
  const url = `http://127.0.0.1:${opts.port}`;
  const ownDir = opts.persistTo === undefined;
  const persistTo = opts.persistTo ?? mkdtempSync(join(tmpdir(), "stripe-emulator-"));
  const args = [
    "wrangler",
    "dev",
    "-c",
    join(repoRoot, "tests/stripe-emulator/wrangler.toml"),
    "--ip",
    "127.0.0.1",
    "--port",
    String(opts.port),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
  ];
  if (typeof opts.webhookUrl === "string") args.push("--var", `STRIPE_WEBHOOK_URL:${opts.webhookUrl}`);
  if (opts.webhookSecret) args.push("--var", `STRIPE_WEBHOOK_SECRET:${opts.webhookSecret}`);

  let output = "";
  // detached gives the child its own process group so stop() can kill wrangler and workerd together.
  const child: ChildProcess = spawn("npx", args, {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited: number | null = null;
  child.on("exit", (code) => {
    exited = code ?? -1;
  });

  const stop = async (): Promise<void> => {
    if (exited === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      const deadline = Date.now() + 5_000;
      while (exited === null && Date.now() < deadline) await sleep(100);
      if (exited === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    if (ownDir) rmSync(persistTo, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`stripe emulator exited with code ${exited} before becoming healthy:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/_emulator/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`stripe emulator did not answer ${url}/_emulator/health in time:\n${output}`);
    }
    await sleep(250);
  }
  // A null webhookUrl cannot be passed as a --var, so it is set at runtime.
  if (opts.webhookUrl === null) await emulatorControl(url).config({ webhookUrl: null });
  return { url, stop };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type DeliveryMode = "deliver" | "hold" | "drop";
export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
}
export interface Delivery {
  event_id: string;
  type: string;
  customer: string | null;
  status: "pending" | "held" | "dropped" | "succeeded" | "failed";
  attempts: DeliveryAttempt[];
}
export interface EmulatorConfig {
  webhookUrl: string | null;
  webhookSecret: string;
  mode: DeliveryMode;
}
export interface ReleaseOptions {
  order?: "in_order" | "reversed" | "shuffled";
  times?: number;
  customer?: string;
  seed?: number;
}
export interface ReleaseResult {
  released: { event_id: string; type: string; customer: string | null; attempts: { status_code: number | null; error: string | null }[] }[];
}

export function emulatorControl(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    health: () => call<{ ok: boolean }>("GET", "/_emulator/health"),
    config: (c?: { webhookUrl?: string | null; webhookSecret?: string }) =>
      c === undefined ? call<EmulatorConfig>("GET", "/_emulator/config") : call<EmulatorConfig>("POST", "/_emulator/config", c),
    reset: () => call<{ ok: boolean }>("POST", "/_emulator/reset"),
    setMode: (mode: DeliveryMode) => call<EmulatorConfig>("POST", "/_emulator/deliveries/mode", { mode }),
    release: (o: ReleaseOptions = {}) => call<ReleaseResult>("POST", "/_emulator/deliveries/release", o),
    flush: (timeoutMs = 15_000) => call<{ pending: number }>("POST", "/_emulator/deliveries/flush", { timeoutMs }),
    deliveries: async (q: { customer?: string; type?: string; status?: Delivery["status"] } = {}) => {
      const qs = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === "string"));
      return (await call<{ data: Delivery[] }>("GET", `/_emulator/deliveries?${qs}`)).data;
    },
    signEvent: (eventId: string) => call<{ payload: string; header: string }>("POST", `/_emulator/events/${eventId}/sign`),
    declineNextPayment: (customerId: string, decline = true) =>
      call<{ customer: string; decline_next_payment: boolean }>("POST", `/_emulator/customers/${customerId}/decline_next_payment`, { decline }),
    attachClock: (customerId: string, testClock: string | null) =>
      call<{ customer: string; test_clock: string | null }>("POST", `/_emulator/customers/${customerId}/test_clock`, { test_clock: testClock }),
    /** Settles a session completed with action=pay_async (payment mode). */
    resolveAsyncPayment: (sessionId: string, outcome: "succeeded" | "failed") =>
      call<Record<string, unknown>>("POST", `/_emulator/checkout/sessions/${sessionId}/async_payment`, { outcome }),
    /** Submits the hosted checkout form like the button does; returns status and redirect target. */
    pay: async (sessionUrl: string, action: "pay" | "decline" | "cancel" | "pay_async" = "pay") => {
      const res = await fetch(sessionUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ action }),
        redirect: "manual",
      });
      return { status: res.status, location: res.headers.get("location"), body: await res.text() };
    },
    /** Submits a billing portal form (update_quantity, cancel_now, cancel_at_period_end, renew). */
    portal: async (portalUrl: string, form: Record<string, string>) => {
      const res = await fetch(portalUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
        redirect: "manual",
      });
      return { status: res.status, location: res.headers.get("location"), body: await res.text() };
    },
  };
}

export type EmulatorControl = ReturnType<typeof emulatorControl>;
