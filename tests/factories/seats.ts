import { env, runInDurableObject } from "cloudflare:test";
import { type Actor } from "../../app/domain/audit/audit.server";
import { seatAllocatorFor } from "../../app/infra/durable-objects/seat-allocator.server";

/**
 * `n` users who are active (or pending) members of the tenant without seats, written straight to
 * D1 (signing 200 people up through the API would spend the test on password hashing).
 */
export async function bulkMembers(tenantId: string, n: number, status: "active" | "pending" = "active"): Promise<string[]> {
  const now = Date.now();
  const tag = crypto.randomUUID().replace(/-/g, "").slice(0, 10);
  const ids = Array.from({ length: n }, (_, i) => `usr_bulk_${tag}_${i}`);
  const statements = ids.flatMap((id, i) => [
    env.DB.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'not-a-login', ?)").bind(
      id,
      `bulk-${tag}-${i}@example.com`,
      now,
    ),
    env.DB.prepare(
      "INSERT INTO tenant_memberships (id, tenant_id, user_id, role, status, created_at, updated_at) VALUES (?, ?, ?, 'member', ?, ?, ?)",
    ).bind(`mem_bulk_${tag}_${i}`, tenantId, id, status, now, now),
  ]);
  for (let i = 0; i < statements.length; i += 100) await env.DB.batch(statements.slice(i, i + 100));
  return ids;
}

export const allocator = (tenantId: string) => seatAllocatorFor(env, tenantId);

export const userActor = (id: string): Actor => ({ type: "user", id });

/** Active seats of a tenant, straight from D1. */
export async function activeSeats(tenantId: string): Promise<string[]> {
  const rows = await env.DB.prepare(
    "SELECT user_id FROM tenant_entitlement_seat_assignments WHERE tenant_id = ? AND released_at IS NULL ORDER BY user_id",
  )
    .bind(tenantId)
    .all<{ user_id: string }>();
  return rows.results.map((r) => r.user_id);
}

export async function capacityOf(tenantId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT e.quantity_seats AS q FROM tenant_product_entitlements e JOIN products p ON p.id = e.product_id WHERE e.tenant_id = ? AND p.seat_based = 1 AND e.status IN ('active','trialing','past_due') ORDER BY e.created_at DESC",
  )
    .bind(tenantId)
    .first<{ q: number }>();
  return row?.q ?? 0;
}

export async function complianceOf(tenantId: string): Promise<string> {
  return (await env.DB.prepare("SELECT compliance_status AS c FROM tenants WHERE id = ?").bind(tenantId).first<{ c: string }>())!.c;
}

export async function auditCount(tenantId: string): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())!.n;
}

export async function auditActions(tenantId: string, action: string) {
  const rows = await env.DB.prepare(
    "SELECT actor_type, actor_id, before, after FROM audit_log WHERE tenant_id = ? AND action = ? ORDER BY id",
  )
    .bind(tenantId, action)
    .all<{ actor_type: string; actor_id: string | null; before: string | null; after: string | null }>();
  return rows.results.map((r) => ({ ...r, before: r.before ? JSON.parse(r.before) : null, after: r.after ? JSON.parse(r.after) : null }));
}

/** How many operations ever ran at once in the tenant's allocator (1 while its queue works), from the object's storage. */
export const maxConcurrentOperations = (tenantId: string) =>
  runInDurableObject(allocator(tenantId), async (_instance, state) => (await state.storage.get<number>("maxInFlight")) ?? 0);
