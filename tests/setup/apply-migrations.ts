import { applyD1Migrations, env } from "cloudflare:test";
import { catalogSeedStatements } from "../../db/seed-catalog";

// Every test file starts from the real migrations and the same catalog seed the dev script applies.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.batch(catalogSeedStatements(Date.now()).map((sql) => env.DB.prepare(sql)));
