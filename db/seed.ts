// Idempotent seed of the catalog, the Accelerator course and (locally) a demo system admin.
//   npm run db:seed                 local D1 (wrangler dev's default state)
//   tsx db/seed.ts --remote         production D1
//   tsx db/seed.ts --persist-to D   local D1 kept in directory D (tests, benchmark)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hashPassword } from "../app/infra/auth/password.server";
import { catalogSeedStatements, SAMPLE_SOFTWARE, sampleSoftwareBytes, sampleSoftwareFeed, softwareSeedStatements } from "./seed-catalog";

export const DEMO_ADMIN = { email: "admin@example.com", password: "gatehouse-admin" };

export async function seed(opts: { remote?: boolean; persistTo?: string; cwd?: string }): Promise<number> {
  const now = Date.now();
  const statements = catalogSeedStatements(now);
  if (!opts.remote) {
    const hash = await hashPassword(DEMO_ADMIN.password);
    statements.push(
      `INSERT INTO users (id, email, password_hash, is_system_admin, email_verified_at, created_at) VALUES ('usr_demo_admin', '${DEMO_ADMIN.email}', '${hash}', 1, ${now}, ${now}) ON CONFLICT(email) DO NOTHING;`,
      // A database seeded before email verification existed: the demo admin's address counts as proven.
      `UPDATE users SET email_verified_at = ${now} WHERE id = 'usr_demo_admin' AND email_verified_at IS NULL;`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-seed-"));
  const file = join(dir, "seed.sql");
  const target = opts.remote ? ["--remote"] : ["--local", ...(opts.persistTo ? ["--persist-to", opts.persistTo] : [])];
  // The sample download (ADR 008), local only like the demo admin: its file and version feed go to
  // R2 (put is idempotent), its rows to D1.
  if (!opts.remote) seedSampleSoftware({ dir, target, cwd: opts.cwd, statements, now });
  writeFileSync(file, statements.join("\n") + "\n");
  const result = spawnSync("npx", ["wrangler", "d1", "execute", "DB", ...target, "--file", file], {
    cwd: opts.cwd,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  rmSync(dir, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`Seeding failed:\n${result.stdout}\n${result.stderr}`);
  return statements.length;
}

function seedSampleSoftware(o: { dir: string; target: string[]; cwd?: string; statements: string[]; now: number }) {
  const sample = sampleSoftwareBytes();
  const sha256 = createHash("sha256").update(sample).digest("hex");
  writeFileSync(join(o.dir, "sample.exe"), sample);
  writeFileSync(join(o.dir, "feed.json"), sampleSoftwareFeed(sha256));
  for (const [key, path] of [
    [SAMPLE_SOFTWARE.key, "sample.exe"],
    [SAMPLE_SOFTWARE.feedKey, "feed.json"],
  ] as const) {
    const put = spawnSync("npx", ["wrangler", "r2", "object", "put", `gatehouse-files/${key}`, "--file", join(o.dir, path), ...o.target], {
      cwd: o.cwd,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    if (put.status !== 0) throw new Error(`Seeding R2 failed:\n${put.stdout}\n${put.stderr}`);
  }
  o.statements.push(...softwareSeedStatements(o.now, { sha256, size: sample.byteLength }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const remote = process.argv.includes("--remote");
  const at = process.argv.indexOf("--persist-to");
  const persistTo = at > 0 ? process.argv[at + 1] : undefined;
  try {
    const n = await seed({ remote, persistTo });
    console.log(`Seeded ${n} rows${remote ? " (remote)" : ` (local; demo admin: ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password})`}.`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
