import { env } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { expect, test } from "vitest";
import { searchTenants } from "../../app/domain/tenants/admin.server";
import { entitlementColumns, isLive, liveCondition, type LiveFields } from "../../app/domain/entitlements/live";
import { loadSeatState } from "../../app/domain/seats/allocator.server";
import { complianceStatements } from "../../app/domain/seats/compliance.server";
import { getDashboard } from "../../app/domain/tenants/dashboard.server";
import { createDb, schema } from "../../app/infra/d1/db.server";
import { provisionedTenant } from "../factories/provisioned";

// One rule, two forms: the SQL condition that D1 evaluates must answer exactly as isLive does, for
// every status and on each date's edges (the date itself, one ms either side, and no date).
const NOW = 1_700_000_000_000;
const EDGES = [NOW - 1, NOW, NOW + 1];
const STATUSES = schema.ENTITLEMENT_STATUSES;

type Case = LiveFields & { id: string };

function cases(prefix: string, opts: { validFrom: (number | null)[]; statuses: readonly (string | null)[] }): Case[] {
  const out: Case[] = [];
  for (const status of opts.statuses)
    for (const validFrom of opts.validFrom)
      for (const validUntil of [null, ...EDGES])
        for (const graceUntil of [null, ...EDGES]) out.push({ id: `${prefix}_${out.length}`, status, validFrom, validUntil, graceUntil });
  return out;
}

const expected = (list: Case[]) => Object.fromEntries(list.map((c) => [c.id, isLive(c, NOW) ? 1 : 0]));

test("the live SQL condition and isLive agree on every status and date edge, in D1", async () => {
  const db = createDb(env.DB);
  const tenantId = `ten_live_${crypto.randomUUID().slice(0, 8)}`;
  const product = await env.DB.prepare("SELECT id FROM products WHERE key = 'organization'").first<{ id: string }>();
  // The tenant comes with the audit row an admin grant would leave (the suite's pay-first check).
  await env.DB.batch([
    env.DB.prepare("INSERT INTO tenants (id, name, slug, join_code, created_at) VALUES (?, 'Live Rule Co', ?, ?, ?)").bind(
      tenantId,
      tenantId,
      tenantId,
      NOW,
    ),
    env.DB.prepare("INSERT INTO audit_log (at, actor_type, action, tenant_id) VALUES (?, 'user', 'tenant.created', ?)").bind(NOW, tenantId),
  ]);

  // Every status x valid_from x valid_until x grace_until edge, as real entitlement rows.
  const rows = cases(`ent_${tenantId}`, { statuses: STATUSES, validFrom: EDGES });
  await env.DB.batch(
    rows.map((c) =>
      env.DB.prepare(
        `INSERT INTO tenant_product_entitlements (id, tenant_id, product_id, status, quantity_seats, source, source_ref, valid_from, valid_until, grace_until, created_at, updated_at)
         VALUES (?, ?, ?, ?, 1, 'admin_grant', ?, ?, ?, ?, 0, 0)`,
      ).bind(c.id, tenantId, product!.id, c.status, c.id, c.validFrom, c.validUntil, c.graceUntil),
    ),
  );
  const want = expected(rows);
  // The rule must be able to say both: otherwise agreement proves nothing.
  expect(Object.values(want)).toContain(1);
  expect(Object.values(want)).toContain(0);

  // Drizzle columns (query-builder call sites), as a value: 0 or 1, never NULL.
  const e = schema.tenantProductEntitlements;
  const byColumns = await db
    .select({ id: e.id, live: sql<number>`${liveCondition(e, NOW)}` })
    .from(e)
    .where(eq(e.tenantId, tenantId));
  expect(Object.fromEntries(byColumns.map((r) => [r.id, r.live]))).toEqual(want);

  // Aliased references (hand-written SQL call sites), as a filter.
  const byAlias = await db.all<{ id: string }>(
    sql`SELECT e.id FROM tenant_product_entitlements e WHERE e.tenant_id = ${tenantId} AND ${liveCondition(entitlementColumns("e"), NOW)}`,
  );
  expect(byAlias.map((r) => r.id).sort()).toEqual(
    rows
      .filter((c) => want[c.id] === 1)
      .map((c) => c.id)
      .sort(),
  );
});

test("they agree on the nulls the schema forbids too (no status, no valid_from)", async () => {
  const db = createDb(env.DB);
  await env.DB.exec(
    "CREATE TABLE IF NOT EXISTS live_rule_cases (id TEXT PRIMARY KEY, status TEXT, valid_from INTEGER, valid_until INTEGER, grace_until INTEGER)",
  );
  const rows = cases("case", { statuses: [...STATUSES, null], validFrom: [null, ...EDGES] });
  await env.DB.batch(
    rows.map((c) =>
      env.DB.prepare("INSERT INTO live_rule_cases (id, status, valid_from, valid_until, grace_until) VALUES (?, ?, ?, ?, ?)").bind(
        c.id,
        c.status,
        c.validFrom,
        c.validUntil,
        c.graceUntil,
      ),
    ),
  );
  const want = expected(rows);
  const got = await db.all<{ id: string }>(sql`SELECT c.id FROM live_rule_cases c WHERE ${liveCondition(entitlementColumns("c"), NOW)}`);
  expect(got.map((r) => r.id).sort()).toEqual(
    rows
      .filter((c) => want[c.id] === 1)
      .map((c) => c.id)
      .sort(),
  );
});

test("a past-due plan whose grace ran out counts nowhere: compliance, the dashboard's seats, admin counts, the allocator", async () => {
  const o = await provisionedTenant({ seats: 2, name: "Lapsed Grace Co" });
  const db = createDb(env.DB);
  const now = Date.now();
  // Stripe lowered the quantity below the owner's seat and the payment failed; grace still runs.
  await env.DB.prepare(
    "UPDATE tenant_product_entitlements SET status = 'past_due', quantity_seats = 0, grace_until = ? WHERE tenant_id = ?",
  )
    .bind(now + 86_400_000, o.tenant.id)
    .run();
  const counted = async () => {
    const [first, ...rest] = complianceStatements(db, { tenantId: o.tenant.id, actor: { type: "scheduler" }, now, reason: "test" });
    await db.batch([first!, ...rest]);
    const tenant = await env.DB.prepare("SELECT compliance_status AS c FROM tenants WHERE id = ?").bind(o.tenant.id).first<{ c: string }>();
    const [dashboard] = await getDashboard({ db, userId: o.owner.user.id, now, locale: "en" });
    return {
      compliance: tenant!.c,
      observedSeats: dashboard!.seats.observed,
      hasSeat: dashboard!.hasSeat,
      allocatorHasPlan: (await loadSeatState({ db, tenantId: o.tenant.id, now })).entitlementId !== null,
      adminLiveEntitlements: Number((await searchTenants({ db, q: o.tenant.slug, now }))[0]!.liveEntitlements),
    };
  };
  expect(await counted()).toEqual({
    compliance: "over_limit",
    observedSeats: 1,
    hasSeat: true,
    allocatorHasPlan: true,
    adminLiveEntitlements: 1,
  });
  await env.DB.prepare("UPDATE tenant_product_entitlements SET grace_until = ? WHERE tenant_id = ?")
    .bind(now - 1, o.tenant.id)
    .run();
  expect(await counted()).toEqual({
    compliance: "ok",
    observedSeats: 0,
    hasSeat: false,
    allocatorHasPlan: false,
    adminLiveEntitlements: 0,
  });
});
