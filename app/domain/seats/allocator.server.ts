// What the SeatAllocator Durable Object runs, one operation at a time per tenant: read the seat
// state from D1, decide with the pure rules, carry the decision out in one D1 batch (with its
// audit rows). D1 is the only copy of the seats, so an object that restarts loses nothing.
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert, type Actor } from "../audit/audit.server";
import { isLive } from "../entitlements/live";
import { complianceStatements } from "./compliance.server";
import {
  decideAssign,
  decideCapacity,
  decideRelease,
  decideRemoval,
  decideRoleChange,
  type Role,
  type SeatState,
  seatsTaken,
  type Target,
} from "./rules";
import { type SeatOpResult } from "./types";
import { activeOwnerOf } from "../tenants/memberships.server";

export type { SeatOpResult };

type Deps = { db: Db; tenantId: string; now: number };

/** The tenant's seat state: its live seat-based entitlement (a paid subscription before a trial, newest first). */
export async function loadSeatState(deps: Deps): Promise<SeatState> {
  const { db, tenantId, now } = deps;
  const tenant = await db
    .select({ compliance: schema.tenants.complianceStatus })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, tenantId))
    .get();
  const candidates = await db
    .select({
      id: schema.tenantProductEntitlements.id,
      status: schema.tenantProductEntitlements.status,
      source: schema.tenantProductEntitlements.source,
      quantitySeats: schema.tenantProductEntitlements.quantitySeats,
      validFrom: schema.tenantProductEntitlements.validFrom,
      validUntil: schema.tenantProductEntitlements.validUntil,
      graceUntil: schema.tenantProductEntitlements.graceUntil,
    })
    .from(schema.tenantProductEntitlements)
    .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
    .where(and(eq(schema.tenantProductEntitlements.tenantId, tenantId), eq(schema.products.seatBased, true)))
    .orderBy(
      sql`CASE ${schema.tenantProductEntitlements.source} WHEN 'stripe_subscription' THEN 0 WHEN 'admin_grant' THEN 1 ELSE 2 END`,
      sql`${schema.tenantProductEntitlements.createdAt} DESC`,
    );
  const ent = candidates.find((e) => isLive(e, now)) ?? null;
  const seated = ent
    ? (
        await db
          .select({ userId: schema.tenantEntitlementSeatAssignments.userId })
          .from(schema.tenantEntitlementSeatAssignments)
          .where(
            and(
              eq(schema.tenantEntitlementSeatAssignments.entitlementId, ent.id),
              isNull(schema.tenantEntitlementSeatAssignments.releasedAt),
            ),
          )
      ).map((r) => r.userId)
    : [];
  return { tenantId, entitlementId: ent?.id ?? null, capacity: ent?.quantitySeats ?? 0, seated, compliance: tenant?.compliance ?? "ok" };
}

export async function loadTarget(deps: Deps & { userId: string }): Promise<Target> {
  const row = await deps.db
    .select({ userId: schema.tenantMemberships.userId, role: schema.tenantMemberships.role, status: schema.tenantMemberships.status })
    .from(schema.tenantMemberships)
    .where(and(eq(schema.tenantMemberships.tenantId, deps.tenantId), eq(schema.tenantMemberships.userId, deps.userId)))
    .get();
  return row ?? null;
}

async function activeOwners(deps: Deps): Promise<number> {
  const row = await deps.db.select({ n: count() }).from(schema.tenantMemberships).where(activeOwnerOf(deps.tenantId)).get();
  return row?.n ?? 0;
}

const isSeatLimit = (e: unknown) => String((e as Error)?.message ?? e).includes("seat_limit_exceeded");
const isDuplicateSeat = (e: unknown) =>
  /UNIQUE constraint failed: tenant_entitlement_seat_assignments/.test(String((e as Error)?.message ?? e));

/** Gives `userId` a seat (approving their pending membership in the same batch when `approve`). */
export async function runAssign(deps: Deps & { userId: string; actor: Actor; approve?: boolean; reason?: string }): Promise<SeatOpResult> {
  const { db, tenantId, now } = deps;
  const [state, target] = await Promise.all([loadSeatState(deps), loadTarget(deps)]);
  const d = decideAssign(state, target, { approve: deps.approve });
  if (!d.ok) return d;
  if (d.action === "none") return { ok: true, changed: false, seatsUsed: state.seated.length, capacity: state.capacity };
  const alreadySeated = state.seated.includes(deps.userId);
  const seatId = newId("seat");
  const statements = [];
  if (!alreadySeated) {
    statements.push(
      db.insert(schema.tenantEntitlementSeatAssignments).values({
        id: seatId,
        entitlementId: d.entitlementId,
        tenantId,
        userId: deps.userId,
        assignedBy: deps.actor.id ?? null,
        assignedAt: now,
      }),
      auditInsert(db, {
        actor: deps.actor,
        action: "seat.assigned",
        tenantId,
        target: { type: "user", id: deps.userId },
        before: { seatsUsed: d.before.seatsUsed, capacity: state.capacity, hasSeat: false },
        after: { seatsUsed: d.after.seatsUsed, capacity: state.capacity, hasSeat: true, entitlementId: d.entitlementId, seatId },
        reason: deps.reason ?? (deps.approve ? "Approved membership request" : null),
        at: now,
      }),
    );
  }
  if (d.activate) {
    statements.push(
      db
        .update(schema.tenantMemberships)
        .set({ status: "active", updatedAt: now })
        .where(
          and(
            eq(schema.tenantMemberships.tenantId, tenantId),
            eq(schema.tenantMemberships.userId, deps.userId),
            eq(schema.tenantMemberships.status, "pending"),
          ),
        ),
      auditInsert(db, {
        actor: deps.actor,
        action: "membership.approved",
        tenantId,
        target: { type: "user", id: deps.userId },
        before: { status: "pending", role: target!.role },
        after: { status: "active", role: target!.role },
        at: now,
      }),
    );
  }
  try {
    await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  } catch (e) {
    // The database's own wall (a trigger) or a seat written outside the allocator: the answer is the same.
    if (isSeatLimit(e)) {
      return {
        ok: false,
        code: "no_seats_available",
        status: 409,
        ...seatsTaken(state.capacity),
        details: { capacity: state.capacity, wall: "database" },
      };
    }
    if (isDuplicateSeat(e)) return { ok: true, changed: false, seatsUsed: state.seated.length, capacity: state.capacity };
    throw e;
  }
  return { ok: true, changed: true, seatsUsed: d.after.seatsUsed, capacity: state.capacity };
}

function releaseStatements(
  deps: Deps & { userId: string; actor: Actor; entitlementId: string; before: number; capacity: number; reason: string | null },
) {
  const { db, tenantId, now } = deps;
  const seats = schema.tenantEntitlementSeatAssignments;
  return [
    db
      .update(seats)
      .set({ releasedAt: now, releasedBy: deps.actor.id ?? null })
      .where(and(eq(seats.entitlementId, deps.entitlementId), eq(seats.userId, deps.userId), isNull(seats.releasedAt))),
    auditInsert(db, {
      actor: deps.actor,
      action: "seat.released",
      tenantId,
      target: { type: "user", id: deps.userId },
      before: { seatsUsed: deps.before, capacity: deps.capacity, hasSeat: true, entitlementId: deps.entitlementId },
      after: { seatsUsed: deps.before - 1, capacity: deps.capacity, hasSeat: false },
      reason: deps.reason,
      at: now,
    }),
    ...complianceStatements(db, { tenantId, actor: deps.actor, now, reason: "A seat was released" }),
  ];
}

export async function runRelease(deps: Deps & { userId: string; actor: Actor; actorRole: Role }): Promise<SeatOpResult> {
  const [state, target] = await Promise.all([loadSeatState(deps), loadTarget(deps)]);
  const d = decideRelease(state, target, { actorRole: deps.actorRole });
  if (!d.ok) return d;
  const [first, ...rest] = releaseStatements({
    ...deps,
    entitlementId: d.entitlementId,
    before: state.seated.length,
    capacity: state.capacity,
    reason: null,
  });
  await deps.db.batch([first!, ...rest]);
  return { ok: true, changed: true, seatsUsed: d.after.seatsUsed, capacity: state.capacity };
}

/** Removes a member (pending or active), releasing their seat in the same batch. */
export async function runRemoveMember(
  deps: Deps & { userId: string; actor: Actor; actorRole: Role; reason?: string },
): Promise<SeatOpResult> {
  const { db, tenantId, now } = deps;
  const [state, target, owners] = await Promise.all([loadSeatState(deps), loadTarget(deps), activeOwners(deps)]);
  const seated = state.entitlementId !== null && state.seated.includes(deps.userId);
  const d = decideRemoval({ actorRole: deps.actorRole, target, activeOwners: owners, seated });
  if (!d.ok) return d;
  const statements = [
    db
      .update(schema.tenantMemberships)
      .set({ status: "removed", updatedAt: now })
      .where(and(eq(schema.tenantMemberships.tenantId, tenantId), eq(schema.tenantMemberships.userId, deps.userId))),
    auditInsert(db, {
      actor: deps.actor,
      action: target!.status === "pending" ? "membership.rejected" : "membership.removed",
      tenantId,
      target: { type: "user", id: deps.userId },
      before: { status: target!.status, role: target!.role, hasSeat: seated },
      after: { status: "removed", hasSeat: false },
      reason: deps.reason ?? null,
      at: now,
    }),
    ...(d.releaseSeat && state.entitlementId
      ? releaseStatements({
          ...deps,
          entitlementId: state.entitlementId,
          before: state.seated.length,
          capacity: state.capacity,
          reason: "Member removed",
        })
      : []),
  ];
  const [first, ...rest] = statements;
  await db.batch([first!, ...rest]);
  return { ok: true, changed: true, seatsUsed: d.releaseSeat ? state.seated.length - 1 : state.seated.length, capacity: state.capacity };
}

/**
 * Sets the seat capacity of the tenant's seat entitlement, never below the seats in use. For
 * entitlements not billed through Stripe (admin grants) and operations tooling: Stripe-billed
 * capacity arrives only through the webhook sync, which would overwrite this with Stripe's count.
 */
export async function runSetCapacity(deps: Deps & { quantity: number; actor: Actor; reason?: string }): Promise<SeatOpResult> {
  const { db, tenantId, now } = deps;
  const state = await loadSeatState(deps);
  const d = decideCapacity(state, deps.quantity);
  if (!d.ok) return d;
  if (d.action === "none") return { ok: true, changed: false, seatsUsed: state.seated.length, capacity: state.capacity };
  const ent = schema.tenantProductEntitlements;
  await db.batch([
    db.update(ent).set({ quantitySeats: deps.quantity, updatedAt: now }).where(eq(ent.id, state.entitlementId!)),
    auditInsert(db, {
      actor: deps.actor,
      action: "seats.capacity_set",
      tenantId,
      target: { type: "entitlement", id: state.entitlementId! },
      before: { quantitySeats: d.before.capacity, seatsUsed: state.seated.length },
      after: { quantitySeats: d.after.capacity, seatsUsed: state.seated.length },
      reason: deps.reason ?? null,
      at: now,
    }),
    ...complianceStatements(db, { tenantId, actor: deps.actor, now, reason: "Seat capacity changed" }),
  ]);
  return { ok: true, changed: true, seatsUsed: state.seated.length, capacity: deps.quantity };
}

/** Changes a member's role; serialized with removals so two demotions cannot leave no owner. */
export async function runSetRole(deps: Deps & { userId: string; role: Role; actor: Actor; actorRole: Role }): Promise<SeatOpResult> {
  const { db, tenantId, now } = deps;
  const [target, owners] = await Promise.all([loadTarget(deps), activeOwners(deps)]);
  const d = decideRoleChange({ actorRole: deps.actorRole, target, to: deps.role, activeOwners: owners });
  if (!d.ok) return d;
  if (d.action === "set") {
    await db.batch([
      db
        .update(schema.tenantMemberships)
        .set({ role: deps.role, updatedAt: now })
        .where(and(eq(schema.tenantMemberships.tenantId, tenantId), eq(schema.tenantMemberships.userId, deps.userId))),
      auditInsert(db, {
        actor: deps.actor,
        action: "membership.role_changed",
        tenantId,
        target: { type: "user", id: deps.userId },
        before: { role: target!.role },
        after: { role: deps.role },
        at: now,
      }),
    ]);
  }
  const state = await loadSeatState(deps);
  return { ok: true, changed: d.action === "set", seatsUsed: state.seated.length, capacity: state.capacity };
}
