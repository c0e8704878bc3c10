// Node-side helpers to run wrangler for tests and the benchmark: one-shot commands and
// `wrangler dev` servers that are stopped with their whole process group.
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");

const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" });

/** Runs a wrangler command to completion; throws with its output when it fails. */
/**
 * Like runWrangler, without blocking the event loop: while a synchronous child runs, Node cannot
 * see the dev server close idle keep-alive sockets, and the next fetch reuses a dead one
 * ("other side closed").
 */
export async function runWranglerAsync(args: string[]): Promise<string> {
  const { execFile } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    execFile(
      "npx",
      ["wrangler", ...args],
      { cwd: repoRoot, env: wranglerEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`wrangler ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

export function runWrangler(args: string[]): string {
  const result = spawnSync("npx", ["wrangler", ...args], { cwd: repoRoot, env: wranglerEnv(), encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export type WranglerDev = { url: string; stop: () => Promise<void>; output: () => string };

/** Starts `wrangler dev` and resolves once `healthPath` answers; rejects with the process output if it cannot. */
export async function startWranglerDev(opts: {
  port: number;
  persistTo: string;
  config?: string;
  vars?: Record<string, string>;
  healthPath: string;
  timeoutMs?: number;
  /** false: wrangler's dev server without the devtools inspector (tests/support/dev-worker.ts); needs `config`. */
  inspector?: false;
  /**
   * The NODE_ENV wrangler bundles with (its `process.env.NODE_ENV` define): unset, `wrangler dev`
   * bundles "development" (React's development builds, with their checks and warnings) where
   * `wrangler deploy` bundles "production".
   */
  nodeEnv?: "production";
}): Promise<WranglerDev> {
  const url = `http://127.0.0.1:${opts.port}`;
  let args: string[];
  if (opts.inspector === false) {
    if (!opts.config) throw new Error("startWranglerDev: inspector false needs an explicit config path");
    const launch = { config: opts.config, port: opts.port, persistTo: opts.persistTo, vars: opts.vars ?? {} };
    args = ["tsx", resolve(repoRoot, "tests/support/dev-worker.ts"), JSON.stringify(launch)];
  } else {
    args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--persist-to", opts.persistTo];
    args.push("--inspector-port", "0", "--show-interactive-dev-session=false", "--log-level", "warn");
    if (opts.config) args.push("-c", opts.config);
    for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  }

  let output = "";
  const env = { ...wranglerEnv(), ...(opts.nodeEnv ? { NODE_ENV: opts.nodeEnv } : {}) };
  const child = spawn("npx", args, { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exitCode = null as number | null; // set by the exit handler; `as` keeps TS from narrowing it to null
  child.on("exit", (code) => {
    exitCode = code ?? -1;
  });

  const stop = async () => {
    if (exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`wrangler dev exited (${exitCode}) before it was ready:\n${output}`);
    try {
      const res = await fetch(url + opts.healthPath, { signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) return { url, stop, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await stop();
  throw new Error(`wrangler dev did not answer ${opts.healthPath} on ${url} in time:\n${output}`);
}
