import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { INTEGRATION_STRIPE_PORT } from "./setup/stripe-emulator.global";

const root = fileURLToPath(new URL("..", import.meta.url));

// Integration tests run inside workerd with the real worker entry, D1 and the Durable Object;
// migrations are applied by the setup file. All files of a project share one workerd (isolate:
// false): with isolation each file started its own Miniflare and re-imported the worker, ~10 s a
// file on 2 cores. So files share D1, Durable Objects and rate-limit counters, and a test counts
// only its own rows (or a before/after difference), never a whole table.
const workers = (
  name: string,
  include: string[],
  opts: { exclude?: string[]; groupOrder?: number } = {},
): TestProjectInlineConfiguration => ({
  plugins: [
    cloudflareTest(async () => ({
      main: "./app/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}/migrations`),
          APP_URL: "http://127.0.0.1:8787",
          STRIPE_SECRET_KEY: "sk_test_gatehouse_tests",
          STRIPE_WEBHOOK_SECRET: "whsec_gatehouse_tests",
          STRIPE_API_BASE: `http://127.0.0.1:${INTEGRATION_STRIPE_PORT}`,
          STRIPE_PUBLISHABLE_KEY: "pk_test_gatehouse_tests",
          STRIPE_JS_URL: `http://127.0.0.1:${INTEGRATION_STRIPE_PORT}/js/v3`,
          ADMIN_EMAILS: "root@example.com",
          PAST_DUE_GRACE_DAYS: "7",
          // Small, so upload tests can send limit + 1 bytes.
          UPLOAD_MAX_BYTES: "4096",
          GATEHOUSE_ORDER_SEED: process.env.GATEHOUSE_ORDER_SEED ?? "",
        },
        // The login lockout's window is 10 s here instead of 60 s, so "a correct password works
        // again after the window" is a 10-second test, not a minute. Limits are as in wrangler.toml.
        ratelimits: { RL_LOGIN_ACCOUNT: { simple: { limit: 5, period: 10 } } },
      },
    })),
  ],
  resolve: {
    alias: { "gatehouse-server-build": `${root}/build/server/index.js` },
  },
  test: {
    name,
    root,
    include,
    exclude: opts.exclude ?? [],
    sequence: { groupOrder: opts.groupOrder ?? 0 },
    setupFiles: ["./tests/setup/apply-migrations.ts"],
    globalSetup: ["./tests/setup/stripe-emulator.global.ts"],
    // Files share one emulator; run them one at a time (2 cores) so their Stripe traffic stays apart.
    fileParallelism: false,
    isolate: false,
    testTimeout: 60_000,
    deps: { optimizer: { ssr: { enabled: true, include: ["@remix-run/cloudflare"] } } },
  },
});

export default defineConfig({
  root,
  test: {
    projects: [
      // Unit tests beside the code are pure functions: plain Node, no build, no workerd.
      { test: { name: "unit", root, include: ["app/**/*.test.ts"], environment: "node" } },
      workers("integration", ["tests/integration/**/*.test.ts"], { exclude: ["tests/integration/reconcile.test.ts"] }),
      // Reconciliation compares every subscription in D1 with Stripe, so it gets a D1 of its own
      // (other files' provisionedTenant() subscriptions exist only in D1), after the rest: it also
      // reads the emulator's events since its last run.
      workers("reconcile", ["tests/integration/reconcile.test.ts"], { groupOrder: 1 }),
    ],
  },
});
