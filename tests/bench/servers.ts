// The bench's servers: the app built for production and run under `wrangler dev` behind the bench
// entry (tests/bench/worker/entry.ts) on a throwaway migrated + seeded D1, and the Stripe emulator
// delivering to it.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seed } from "../../db/seed";
import { startStripeEmulator } from "../stripe-emulator/harness";
import { TEST_WEBHOOK_SECRET } from "../support/app-server";
import { BENCH_BARE_PATH, BENCH_QUEUE_SINK_BINDING, BENCH_QUEUE_SINK_NAME, D1_QUERIES_HEADER } from "./hooks";
import { repoRoot, runWrangler, startWranglerDev, type WranglerDev } from "../support/wrangler";

export const WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
export const STRIPE_KEY = "sk_test_gatehouse_bench";

export function buildApp(): void {
  const result = spawnSync("npm", ["run", "build"], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * Copies build/ aside and writes two wrangler configs that point at the copy, so another engineer's
 * `npm run build` during the run cannot swap the code under the load. Inside the repo (ignored
 * .wrangler/) so the server build still resolves its packages from node_modules.
 *  - `config`: the production Worker exactly as wrangler.toml deploys it (the bundle-size row);
 *  - `benchConfig`: the same with `main` at the bench entry and the app's `gatehouse-server-build`
 *    mapped to the bench's wrapper of it (tests/bench/worker/server-build.ts), which imports the
 *    copied build as `gatehouse-app-server-build`. The app's own code is unchanged.
 */
export function snapshotBuild(): { dir: string; config: string; benchConfig: string } {
  mkdirSync(join(repoRoot, ".wrangler"), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, ".wrangler", "bench-"));
  cpSync(join(repoRoot, "build"), join(dir, "build"), { recursive: true });
  const appBuild = join(dir, "build/server/index.js");
  const base = rewrite(readFileSync(join(repoRoot, "wrangler.toml"), "utf8"), [
    [/^"gatehouse-server-build" = ".*"$/m, `"gatehouse-server-build" = "${appBuild}"`],
    [/^directory = "\.\/build\/client"$/m, `directory = "${join(dir, "build/client")}"`],
    [/^migrations_dir = ".*"$/m, `migrations_dir = "${join(repoRoot, "migrations")}"`],
    [/^"@remix-run\/router" = ".*"$/m, `"@remix-run/router" = "${join(repoRoot, "app/infra/remix/router.server.ts")}"`],
  ]);
  const production = rewrite(base, [[/^main = ".*"$/m, `main = "${join(repoRoot, "app/worker.ts")}"`]]);
  const bench = rewrite(base, [
    [/^main = ".*"$/m, `main = "${join(repoRoot, "tests/bench/worker/entry.ts")}"`],
    [
      /^"gatehouse-server-build" = ".*"$/m,
      `"gatehouse-server-build" = "${join(repoRoot, "tests/bench/worker/server-build.ts")}"\n"gatehouse-app-server-build" = "${appBuild}"`,
    ],
  ]);
  const config = join(dir, "wrangler.toml");
  const benchConfig = join(dir, "wrangler.bench.toml");
  writeFileSync(config, production);
  // The one-queue-send ceiling's queue: a producer only, so nothing consumes what it is sent.
  writeFileSync(
    benchConfig,
    `${bench}\n[[queues.producers]]\nbinding = "${BENCH_QUEUE_SINK_BINDING}"\nqueue = "${BENCH_QUEUE_SINK_NAME}"\n`,
  );
  return { dir, config, benchConfig };
}

function rewrite(toml: string, rewrites: [RegExp, string][]): string {
  for (const [pattern, line] of rewrites) {
    if (!pattern.test(toml)) throw new Error(`wrangler.toml no longer has a line matching ${pattern}; update tests/bench/servers.ts`);
    toml = toml.replace(pattern, line);
  }
  return toml;
}

export type Servers = { appUrl: string; stripeUrl: string; config: string; persistTo: string; stop: () => Promise<void> };

export async function startServers(opts: { appPort: number; stripePort: number }): Promise<Servers> {
  const snapshot = snapshotBuild();
  const persistTo = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  const cleanups: (() => Promise<void> | void)[] = [
    () => rmSync(persistTo, { recursive: true, force: true }),
    () => rmSync(snapshot.dir, { recursive: true, force: true }),
  ];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const appUrl = `http://127.0.0.1:${opts.appPort}`;
    // The emulator delivers signed webhooks to the app, as Stripe would.
    const stripe = await startStripeEmulator({
      port: opts.stripePort,
      webhookUrl: `${appUrl}/api/stripe/webhook`,
      webhookSecret: WEBHOOK_SECRET,
    });
    cleanups.push(stripe.stop);
    runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
    await seed({ persistTo, cwd: repoRoot });
    const app: WranglerDev = await startWranglerDev({
      port: opts.appPort,
      persistTo,
      config: snapshot.benchConfig,
      healthPath: "/api/public/pricing",
      // wrangler dev's devtools inspector costs the wrangler process several ms per D1 call (see
      // tests/support/dev-worker.ts): off, so the rows price the app rather than the dev tooling.
      inspector: false,
      // The code `wrangler deploy` ships: React's production builds, not the development ones
      // `wrangler dev` bundles by default (their prop validation and warnings were most of a page's render).
      nodeEnv: "production",
      vars: {
        APP_URL: appUrl,
        STRIPE_SECRET_KEY: STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: stripe.url,
        ADMIN_EMAILS: "admin@example.com",
        PAST_DUE_GRACE_DAYS: "7",
      },
    });
    cleanups.push(app.stop);
    const probe = await fetch(`${appUrl}${BENCH_BARE_PATH}`);
    if (probe.status !== 200 || probe.headers.get(D1_QUERIES_HEADER) !== "0") {
      throw new Error(`the bench entry is not serving: ${BENCH_BARE_PATH} answered ${probe.status}`);
    }
    return { appUrl, stripeUrl: stripe.url, config: snapshot.config, persistTo, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `wrangler deploy --dry-run --minify` of the same build (pass the production `config`); returns the files it wrote. */
export function dryRunDeploy(config: string): { outdir: string; wranglerSummary: string | null; cleanup: () => void } {
  const outdir = mkdtempSync(join(tmpdir(), "gatehouse-bench-bundle-"));
  const stdout = runWrangler(["deploy", "--dry-run", "--minify", "--outdir", outdir, "-c", config]);
  const summary = /Total Upload: .*/.exec(stdout)?.[0] ?? null;
  return { outdir, wranglerSummary: summary, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
