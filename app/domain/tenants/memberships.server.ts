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
