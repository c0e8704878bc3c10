import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

// Browser tests: Node drives Debian's Chromium (playwright-core) against the built app under
// `wrangler dev`, which the global setup starts on a throwaway database.
export default defineConfig({
  root,
  test: {
    include: ["tests/e2e/**/*.e2e.test.ts"],
    globalSetup: ["./tests/e2e/global-setup.ts"],
    setupFiles: ["./tests/e2e/report-failed-attempts.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    // One retry for a browser test: a page load that stalls once on this shared 2-core machine
    // (seen once in CI: page.goto waiting 30 s for "load") must not sink the run. A real failure
    // fails twice; a failed attempt's errors are printed (report-failed-attempts.ts), and
    // tests/artifacts/app-server.log keeps the app's warnings.
    retry: 1,
    hookTimeout: 120_000,
  },
});
