// Starts the built app under `wrangler dev` on a throwaway local D1: migrated, seeded, isolated
// from the developer's own `npm run dev` state.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seed } from "../../db/seed";
import { repoRoot, runWrangler, startWranglerDev, type WranglerDev } from "./wrangler";

export const TEST_WEBHOOK_SECRET = "whsec_gatehouse_e2e";

export async function startApp(opts: {
  port: number;
  stripeApiBase: string;
  vars?: Record<string, string>;
}): Promise<WranglerDev & { persistTo: string }> {
  if (!existsSync(join(repoRoot, "build/server/index.js"))) {
    throw new Error("No build found: run `npm run build` first (npm test does).");
  }
  const persistTo = mkdtempSync(join(tmpdir(), "gatehouse-app-"));
  runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
  await seed({ persistTo, cwd: repoRoot });
  const server = await startWranglerDev({
    port: opts.port,
    persistTo,
    healthPath: "/api/public/pricing",
    vars: {
      APP_URL: `http://127.0.0.1:${opts.port}`,
      STRIPE_SECRET_KEY: "sk_test_gatehouse_e2e",
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_BASE: opts.stripeApiBase,
      STRIPE_PUBLISHABLE_KEY: "pk_test_gatehouse_e2e",
      STRIPE_JS_URL: `${opts.stripeApiBase}/js/v3`,
      ADMIN_EMAILS: "admin@example.com",
      PAST_DUE_GRACE_DAYS: "7",
      ...opts.vars,
    },
  });
  return {
    ...server,
    persistTo,
    stop: async () => {
      await server.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}
