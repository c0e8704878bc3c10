import { and, desc, eq, ne } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { type Actor } from "../audit/audit.server";
import { AppError, notFound as notFoundError } from "../errors";
import { loadSeatState } from "./allocator.server";
import { type Compliance, decideOrgAction, type Role, type SeatRefusal } from "./rules";
import { tenantHoldsFeature } from "../entitlements/feature-grants.server";
import { type AllocatorFor, type SeatOpResult } from "./types";

export type ManagedTenant = { id: string; name: string; slug: string; joinCode: string; role: Role; compliance: Compliance };

export const notFound = (message = "No such organisation.") => notFoundError(message);

/**
 * The tenant behind `slug` for an active owner or admin of it (decideOrgAction: 404 for outsiders,
 * 403 `refusal` for plain members); with `plan`, only while the tenant holds `plan.feature` through a
 * live entitlement or grant (ADR 018). The manager's own seat never counts.
 */
export async function requireManagedTenant(deps: {
  db: Db;
  userId: string;
  slug: string;
  refusal?: string;
  plan?: { feature: string; now: number; refusal: string };
}): Promise<ManagedTenant> {
  const t = await memberTenant(deps);
  const live =
    t && deps.plan ? await tenantHoldsFeature({ db: deps.db, tenantId: t.id, feature: deps.plan.feature, now: deps.plan.now }) : false;
  const d = decideOrgAction({
    role: t?.role ?? null,
    refusal: deps.refusal,
    plan: deps.plan ? { live, refusal: deps.plan.refusal } : undefined,
  });
  if (!d.ok) throw refusalToError(d);
  return t!;
}

/**
 * `memberTenant` as one statement for a page's batch (ADR 022): the user is `user`, an SQL expression
 * over `?1`; the slug is `?2`. At most one row, shaped as a ManagedTenant.
 */
export function memberTenantStatement(d1: D1Database, user: string, key: string, slug: string): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT t.id, t.name, t.slug, t.join_code AS joinCode, t.compliance_status AS compliance, m.role
         FROM tenants t JOIN tenant_memberships m ON m.tenant_id = t.id
        WHERE t.slug = ?2 AND m.user_id = ${user} AND m.status = 'active'`,
    )
    .bind(key, slug);
}

/** The tenant behind `slug` if the user is an active member of it: the one membership lookup. */
export async function memberTenant(deps: { db: Db; userId: string; slug: string }): Promise<ManagedTenant | null> {
  const row = await deps.db
    .select({
      id: schema.tenants.id,
      name: schema.tenants.name,
      slug: schema.tenants.slug,
      joinCode: schema.tenants.joinCode,
      compliance: schema.tenants.complianceStatus,
      role: schema.tenantMemberships.role,
    })
    .from(schema.tenants)
    .innerJoin(schema.tenantMemberships, eq(schema.tenantMemberships.tenantId, schema.tenants.id))
    .where(
      and(
        eq(schema.tenants.slug, deps.slug),
        eq(schema.tenantMemberships.userId, deps.userId),
        eq(schema.tenantMemberships.status, "active"),
      ),
    )
    .get();
  return row ?? null;
}

export function refusalToError(r: SeatRefusal): AppError {
  return new AppError({ code: r.code, status: r.status, message: r.message, details: r.details, i18n: r.i18n });
}

/** An allocator answer as the domain's result: refusals become AppErrors for the boundary. */
export function unwrap(r: SeatOpResult): Extract<SeatOpResult, { ok: true }> {
  if (!r.ok) throw refusalToError(r);
  return r;
}

type SeatDeps = { db: Db; allocators: AllocatorFor; actorUserId: string; slug: string; userId: string };

/** Assigns a seat through the tenant's allocator; only owners and admins may. */
export async function assignSeat(deps: SeatDeps) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const actor: Actor = { type: "user", id: deps.actorUserId };
  return unwrap(await deps.allocators(tenant.id).assign({ tenantId: tenant.id, userId: deps.userId, actor }));
}

/** Releases a member's seat through the tenant's allocator; only owners and admins may, and only owners release an owner's. */
export async function releaseSeat(deps: SeatDeps) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const actor: Actor = { type: "user", id: deps.actorUserId };
  return unwrap(await deps.allocators(tenant.id).release({ tenantId: tenant.id, userId: deps.userId, actor, actorRole: tenant.role }));
}

export type MemberRow = { userId: string; email: string; role: Role; status: "pending" | "active"; hasSeat: boolean; since: number };

export type SeatOverview = {
  tenant: ManagedTenant;
  seats: { licensed: number; used: number; free: number; compliance: Compliance; entitlementId: string | null };
  members: MemberRow[];
  pending: MemberRow[];
  invitations: { id: string; email: string; role: "admin" | "member"; createdAt: number }[];
};

/** Everything the members page shows: members with seat status, requests, invitations, seat counts. */
export async function seatOverview(deps: { db: Db; tenant: ManagedTenant; now: number }): Promise<SeatOverview> {
  const { db, tenant } = deps;
  const [state, people, invitations] = await Promise.all([
    loadSeatState({ db, tenantId: tenant.id, now: deps.now }),
    db
      .select({
        userId: schema.tenantMemberships.userId,
        email: schema.users.email,
        role: schema.tenantMemberships.role,
        status: schema.tenantMemberships.status,
        since: schema.tenantMemberships.createdAt,
      })
      .from(schema.tenantMemberships)
      .innerJoin(schema.users, eq(schema.users.id, schema.tenantMemberships.userId))
      .where(and(eq(schema.tenantMemberships.tenantId, tenant.id), ne(schema.tenantMemberships.status, "removed")))
      .orderBy(schema.users.email),
    db
      .select({
        id: schema.tenantInvitations.id,
        email: schema.tenantInvitations.email,
        role: schema.tenantInvitations.role,
        createdAt: schema.tenantInvitations.createdAt,
      })
      .from(schema.tenantInvitations)
      .where(and(eq(schema.tenantInvitations.tenantId, tenant.id), eq(schema.tenantInvitations.status, "pending")))
      .orderBy(desc(schema.tenantInvitations.createdAt)),
  ]);
  const seated = new Set(state.seated);
  const rows = people.map((p) => ({ ...p, status: p.status as "pending" | "active", hasSeat: seated.has(p.userId) }));
  return {
    tenant: { ...tenant, compliance: state.compliance },
    seats: {
      licensed: state.capacity,
      used: state.seated.length,
      free: Math.max(state.capacity - state.seated.length, 0),
      compliance: state.compliance,
      entitlementId: state.entitlementId,
    },
    members: rows.filter((r) => r.status === "active"),
    pending: rows.filter((r) => r.status === "pending"),
    invitations,
  };
}

/** Seat counts for the JSON API: who holds a seat, out of how many. */
export async function seatSummary(deps: { db: Db; actorUserId: string; slug: string; now: number }) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const state = await loadSeatState({ db: deps.db, tenantId: tenant.id, now: deps.now });
  return { capacity: state.capacity, used: state.seated.length, compliance: state.compliance, seated: state.seated };
}
