import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { INTEGRATION_STRIPE_PORT } from "./setup/stripe-emulator.global";

const root = fileURLToPath(new URL("..", import.meta.url));

// Unit tests (app/**/*.test.ts) and integration tests (tests/integration) run inside workerd with
// the real worker entry, D1 and the Durable Object; migrations are applied by the setup file.
export default defineConfig({
  root,
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
          ADMIN_EMAILS: "root@example.com",
          PAST_DUE_GRACE_DAYS: "7",
          // Small, so upload tests can send limit + 1 bytes.
          UPLOAD_MAX_BYTES: "4096",
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
    include: ["app/**/*.test.ts", "tests/integration/**/*.test.ts"],
    setupFiles: ["./tests/setup/apply-migrations.ts"],
    globalSetup: ["./tests/setup/stripe-emulator.global.ts"],
    // Files share one emulator; run them one at a time (2 cores) so their Stripe traffic stays apart.
    fileParallelism: false,
    testTimeout: 60_000,
    deps: { optimizer: { ssr: { enabled: true, include: ["@remix-run/cloudflare"] } } },
  },
});
