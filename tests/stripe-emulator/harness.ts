// Node-side harness: starts the emulator with `wrangler dev` for a test run and
// offers a small typed client for the /_emulator control API.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { emulatorControl } from "./control";

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
  let exited = null as number | null; // set by the exit handler; `as` keeps TS from narrowing it to null
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

export * from "./control";
