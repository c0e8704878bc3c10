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
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    // No retries: a browser test that fails once is a bug to find (a race, a wait for the wrong
    // thing), not noise to absorb. Pages are used once hydrated (browser.ts hydrated()), never after
    // "network idle". tests/artifacts/app-server.log keeps the app's warnings.
    retry: 0,
    hookTimeout: 120_000,
  },
});
