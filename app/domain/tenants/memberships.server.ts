import { and, eq, inArray, ne } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { MANAGER_ROLES } from "../seats/rules";

export type MembershipSummary = {
  tenantId: string;
  tenantName: string;
  tenantSlug: string;
  role: "owner" | "admin" | "member";
  status: "pending" | "active" | "removed";
};

/** A user's current memberships (removed ones are history, not membership). */
export async function listMemberships(deps: { db: Db; userId: string }): Promise<MembershipSummary[]> {
  return deps.db
    .select({
      tenantId: schema.tenants.id,
      tenantName: schema.tenants.name,
      tenantSlug: schema.tenants.slug,
      role: schema.tenantMemberships.role,
      status: schema.tenantMemberships.status,
    })
    .from(schema.tenantMemberships)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.tenantMemberships.tenantId))
    .where(and(eq(schema.tenantMemberships.userId, deps.userId), ne(schema.tenantMemberships.status, "removed")))
    .orderBy(schema.tenants.name);
}

/**
 * `listMemberships` as one statement for a page's batch (ADR 022): the user is `user`, an SQL
 * expression over `?1`; `more` adds columns of `t` (tenants) or `m` (memberships), as `expr AS name`.
 */
export function membershipsStatement(d1: D1Database, user: string, key: string, more: string[] = []): D1PreparedStatement {
  const columns = ["t.id AS tenantId", "t.name AS tenantName", "t.slug AS tenantSlug", "m.role", "m.status", ...more].join(", ");
  return d1
    .prepare(
      `SELECT ${columns} FROM tenant_memberships m JOIN tenants t ON t.id = m.tenant_id
        WHERE m.user_id = ${user} AND m.status <> 'removed' ORDER BY t.name`,
    )
    .bind(key);
}

/** Tenants the user may buy for and manage: active memberships in a role that `canManage`. */
export async function listManagedTenants(deps: { db: Db; userId: string }): Promise<{ id: string; name: string; slug: string }[]> {
  return deps.db
    .select({ id: schema.tenants.id, name: schema.tenants.name, slug: schema.tenants.slug })
    .from(schema.tenantMemberships)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.tenantMemberships.tenantId))
    .where(
      and(
        eq(schema.tenantMemberships.userId, deps.userId),
        eq(schema.tenantMemberships.status, "active"),
        inArray(schema.tenantMemberships.role, MANAGER_ROLES),
      ),
    )
    .orderBy(schema.tenants.name);
}

/** The active owners of a tenant, as a condition on tenant_memberships (one definition for every query that needs them). */
export const activeOwnerOf = (tenantId: string) =>
  and(
    eq(schema.tenantMemberships.tenantId, tenantId),
    eq(schema.tenantMemberships.role, "owner"),
    eq(schema.tenantMemberships.status, "active"),
  );
