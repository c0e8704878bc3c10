import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./global-setup.ts"],
    setupFiles: ["./test/setup-schema.ts"],
    fileParallelism: false,
    // One module graph for all files: the schema validators (setup-schema.ts) compile once.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
