import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BENCH_QUEUE_SINK_BINDING, BENCH_QUEUE_SINK_NAME } from "./hooks";

const root = fileURLToPath(new URL("../..", import.meta.url));

// The bench entry's own tests (tests/bench/worker/*.test.ts): inside workerd, with the bench entry
// as `main` and the same module aliases as the wrangler config the bench writes
// (tests/bench/servers.ts), over the app's real build. No Stripe: nothing here reaches it.
export default defineConfig({
  root,
  plugins: [
    cloudflareTest(async () => ({
      main: "./tests/bench/worker/entry.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // The one-queue-send ceiling's queue (tests/bench/servers.ts adds the same to the bench's config).
        queueProducers: { [BENCH_QUEUE_SINK_BINDING]: { queueName: BENCH_QUEUE_SINK_NAME } },
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}/migrations`),
          APP_URL: "http://127.0.0.1:8787",
          STRIPE_SECRET_KEY: "sk_test_gatehouse_bench_tests",
          STRIPE_WEBHOOK_SECRET: "whsec_gatehouse_bench_tests",
          STRIPE_API_BASE: "",
          ADMIN_EMAILS: "",
          PAST_DUE_GRACE_DAYS: "7",
        },
      },
    })),
  ],
  resolve: {
    alias: {
      "gatehouse-server-build": `${root}/tests/bench/worker/server-build.ts`,
      "gatehouse-app-server-build": `${root}/build/server/index.js`,
    },
  },
  test: {
    include: ["tests/bench/worker/**/*.test.ts"],
    setupFiles: ["./tests/setup/apply-migrations.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    deps: { optimizer: { ssr: { enabled: true, include: ["@remix-run/cloudflare"] } } },
  },
});
