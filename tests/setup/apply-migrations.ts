import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach, expect } from "vitest";
import { catalogSeedStatements } from "../../db/seed-catalog";

// Every test file starts from the real migrations and the same catalog seed the dev script applies.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.batch(catalogSeedStatements(Date.now()).map((sql) => env.DB.prepare(sql)));

// Pay first, checked after every test: no tenant exists without a provisioned purchase (or, once
// the admin console lands, an audited admin grant) behind it.
afterEach(async () => {
  const orphans = await env.DB.prepare(
    `SELECT t.id FROM tenants t
     WHERE NOT EXISTS (SELECT 1 FROM purchase_intents p WHERE p.provisioned_tenant_id = t.id AND p.state = 'provisioned')
       AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.tenant_id = t.id AND a.action = 'tenant.created' AND a.actor_type = 'user')`,
  ).all();
  expect(orphans.results, "tenants without a provisioned purchase or admin grant").toEqual([]);
});
