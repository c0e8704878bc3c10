// Idempotent seed: `npm run db:seed` (local D1) or `tsx db/seed.ts --remote` (production D1).
// Applies the catalog and course, and locally a demo system admin (admin@example.com / gatehouse-admin).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashPassword } from "../app/infra/auth/password.server";
import { catalogSeedStatements } from "./seed-catalog";

const remote = process.argv.includes("--remote");
const DEMO_ADMIN = { email: "admin@example.com", password: "gatehouse-admin" };

const statements = catalogSeedStatements(Date.now());
if (!remote) {
  const hash = await hashPassword(DEMO_ADMIN.password);
  statements.push(
    `INSERT INTO users (id, email, password_hash, is_system_admin, created_at) VALUES ('usr_demo_admin', '${DEMO_ADMIN.email}', '${hash}', 1, ${Date.now()}) ON CONFLICT(email) DO NOTHING;`,
  );
}

const dir = mkdtempSync(join(tmpdir(), "gatehouse-seed-"));
const file = join(dir, "seed.sql");
writeFileSync(file, statements.join("\n") + "\n");
const result = spawnSync("npx", ["wrangler", "d1", "execute", "DB", remote ? "--remote" : "--local", "--file", file], {
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
rmSync(dir, { recursive: true, force: true });
if (result.status !== 0) {
  console.error("Seeding failed.");
  process.exit(result.status ?? 1);
}
console.log(`Seeded ${statements.length} rows${remote ? " (remote)" : " (local; demo admin: admin@example.com / gatehouse-admin)"}.`);
