import { and, eq, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert, auditInsertWhen, type Actor } from "../audit/audit.server";
import { outboxInsertWhen } from "../email/outbox.server";
import { emails } from "../email/templates";
import { type Locale, recipientLocale } from "../../i18n/config";
import { AppError, conflict, withValues } from "../errors";
import { type Role } from "../seats/rules";
import { notFound, requireManagedTenant, unwrap } from "../seats/seats.server";
import { type AllocatorFor } from "../seats/types";

// Membership changes. Anything that touches a seat or the owner count goes through the tenant's
// SeatAllocator, so it is serialized with every other seat change; the rest is one D1 batch here.

/** A signed-in user asks to join the tenant whose join code they entered: a pending membership. */
export async function requestToJoin(deps: { db: Db; userId: string; code: string; now: number }) {
  const { db, now } = deps;
  const tenant = await db
    .select({ id: schema.tenants.id, name: schema.tenants.name })
    .from(schema.tenants)
    .where(eq(schema.tenants.joinCode, deps.code))
    .get();
  if (!tenant) {
    throw new AppError({
      code: "unknown_code",
      status: 404,
      message: "No organisation has that join code.",
      details: { fieldErrors: { code: ["No organisation has that join code."] } },
    });
  }
  const existing = await db
    .select({ status: schema.tenantMemberships.status })
    .from(schema.tenantMemberships)
    .where(and(eq(schema.tenantMemberships.tenantId, tenant.id), eq(schema.tenantMemberships.userId, deps.userId)))
    .get();
  if (existing?.status === "active") {
    throw conflict("already_member", withValues("You are already a member of {{organisation}}.", { organisation: tenant.name }));
  }
  if (existing?.status === "pending") return { tenantName: tenant.name, status: "pending" as const, created: false };
  await db.batch([
    db
      .insert(schema.tenantMemberships)
      .values({
        id: newId("mem"),
        tenantId: tenant.id,
        userId: deps.userId,
        role: "member",
        status: "pending",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [schema.tenantMemberships.tenantId, schema.tenantMemberships.userId],
        set: { status: "pending", role: "member", updatedAt: now },
        setWhere: sql`${schema.tenantMemberships.status} = 'removed'`,
      }),
    auditInsert(db, {
      actor: { type: "user", id: deps.userId },
      action: "membership.requested",
      tenantId: tenant.id,
      target: { type: "user", id: deps.userId },
      before: existing ? { status: existing.status } : null,
      after: { status: "pending", role: "member" },
      reason: "Joined with the organisation code",
      at: now,
    }),
  ]);
  return { tenantName: tenant.name, status: "pending" as const, created: true };
}

type ManageDeps = { db: Db; allocators: AllocatorFor; actorUserId: string; slug: string; userId: string };

/** Approving a request assigns a seat in the same batch; with no seat free it is a 409 and stays pending. */
export async function approveMember(deps: ManageDeps) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const actor: Actor = { type: "user", id: deps.actorUserId };
  return unwrap(await deps.allocators(tenant.id).assign({ tenantId: tenant.id, userId: deps.userId, actor, approve: true }));
}

export async function rejectMember(deps: ManageDeps) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const target = await deps.db
    .select({ status: schema.tenantMemberships.status })
    .from(schema.tenantMemberships)
    .where(and(eq(schema.tenantMemberships.tenantId, tenant.id), eq(schema.tenantMemberships.userId, deps.userId)))
    .get();
  if (target?.status !== "pending") throw conflict("not_pending", "There is no pending request from that user.");
  const actor: Actor = { type: "user", id: deps.actorUserId };
  return unwrap(
    await deps
      .allocators(tenant.id)
      .removeMember({ tenantId: tenant.id, userId: deps.userId, actor, actorRole: tenant.role, reason: "Request rejected" }),
  );
}

/** Removing a member releases their seat; the last owner stays. */
export async function removeMember(deps: ManageDeps) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const actor: Actor = { type: "user", id: deps.actorUserId };
  return unwrap(await deps.allocators(tenant.id).removeMember({ tenantId: tenant.id, userId: deps.userId, actor, actorRole: tenant.role }));
}

export async function changeMemberRole(deps: ManageDeps & { role: Role }) {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.actorUserId, slug: deps.slug });
  const actor: Actor = { type: "user", id: deps.actorUserId };
  return unwrap(
    await deps.allocators(tenant.id).setRole({ tenantId: tenant.id, userId: deps.userId, role: deps.role, actor, actorRole: tenant.role }),
  );
}

/**
 * An owner or admin invites an address as a member or admin (owners are made, never invited). The
 * invitation email is written in the same batch, and only if the invitation was.
 */
export async function inviteMember(deps: {
  db: Db;
  actorUserId: string;
  actorEmail: string;
  slug: string;
  email: string;
  role: "admin" | "member";
  appUrl: string;
  /** The inviter's language: the email's, unless the invitee already has an account with a saved choice. */
  locale?: Locale;
  now: number;
}) {
  const { db, now } = deps;
  const tenant = await requireManagedTenant({ db, userId: deps.actorUserId, slug: deps.slug });
  const email = deps.email.trim().toLowerCase();
  const invitee = await db.select({ locale: schema.users.locale }).from(schema.users).where(eq(schema.users.email, email)).get();
  const already = await db
    .select({ status: schema.tenantMemberships.status })
    .from(schema.tenantMemberships)
    .innerJoin(schema.users, eq(schema.users.id, schema.tenantMemberships.userId))
    .where(
      and(eq(schema.tenantMemberships.tenantId, tenant.id), eq(schema.users.email, email), eq(schema.tenantMemberships.status, "active")),
    )
    .get();
  if (already) {
    throw conflict("already_member", withValues("{{email}} is already a member.", { email }), {
      fieldErrors: { email: ["Already a member."] },
    });
  }
  const id = newId("inv");
  const emailId = newId("eml");
  // The new id exists after the insert only if the insert happened (not an already-open invitation).
  const justCreated = { from: schema.tenantInvitations, where: eq(schema.tenantInvitations.id, id) };
  const [inserted] = await db.batch([
    db
      .insert(schema.tenantInvitations)
      .values({
        id,
        tenantId: tenant.id,
        email,
        role: deps.role,
        status: "pending",
        invitedBy: deps.actorUserId,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: schema.tenantInvitations.id }),
    auditInsertWhen(
      db,
      {
        actor: { type: "user", id: deps.actorUserId },
        action: "invitation.created",
        at: now,
        tenantId: schema.tenantInvitations.tenantId,
        target: { type: "invitation", id: schema.tenantInvitations.id },
        after: sql`json_object('email', ${schema.tenantInvitations.email}, 'role', ${schema.tenantInvitations.role})`,
      },
      justCreated,
    ),
    outboxInsertWhen(
      db,
      {
        id: emailId,
        to: email,
        email: emails.invitation({
          appUrl: deps.appUrl,
          organisation: tenant.name,
          role: deps.role,
          invitedBy: deps.actorEmail,
          locale: recipientLocale(invitee?.locale, deps.locale),
        }),
        tenantId: tenant.id,
        now,
      },
      justCreated,
    ),
  ]);
  if (inserted.length === 0)
    throw conflict("already_invited", `${email} already has an open invitation.`, { fieldErrors: { email: ["Already invited."] } });
  return { id, email, emailIds: [emailId] };
}

export async function revokeInvitation(deps: { db: Db; actorUserId: string; slug: string; invitationId: string; now: number }) {
  const { db, now } = deps;
  const tenant = await requireManagedTenant({ db, userId: deps.actorUserId, slug: deps.slug });
  const inv = await db
    .select()
    .from(schema.tenantInvitations)
    .where(
      and(
        eq(schema.tenantInvitations.id, deps.invitationId),
        eq(schema.tenantInvitations.tenantId, tenant.id),
        eq(schema.tenantInvitations.status, "pending"),
      ),
    )
    .get();
  if (!inv) throw notFound("No open invitation with that id.");
  await db.batch([
    db
      .update(schema.tenantInvitations)
      .set({ status: "revoked", updatedAt: now })
      .where(and(eq(schema.tenantInvitations.id, inv.id), eq(schema.tenantInvitations.status, "pending"))),
    auditInsert(db, {
      actor: { type: "user", id: deps.actorUserId },
      action: "invitation.revoked",
      tenantId: tenant.id,
      target: { type: "invitation", id: inv.id },
      before: { status: "pending", email: inv.email },
      after: { status: "revoked" },
      at: now,
    }),
  ]);
}

export type OpenInvitation = { id: string; tenantName: string; role: "admin" | "member"; createdAt: number };

/**
 * Open invitations (as `invitationsFor`) as one statement for a page's batch (ADR 022): the user is `user`, an SQL
 * expression over `?1`; an unverified address gets none (emails are stored lower-cased).
 */
export function invitationsStatement(d1: D1Database, user: string, key: string): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT i.id, t.name AS tenantName, i.role, i.created_at AS createdAt
         FROM tenant_invitations i JOIN tenants t ON t.id = i.tenant_id JOIN users u ON u.id = ${user}
        WHERE i.email = u.email AND i.status = 'pending' AND u.email_verified_at IS NOT NULL
        ORDER BY t.name`,
    )
    .bind(key);
}

/** Open invitations addressed to this user's email, once they have proven they own it. */
export async function invitationsFor(deps: { db: Db; email: string; emailVerified: boolean }): Promise<OpenInvitation[]> {
  // An unverified address may be someone else's: not even the organisation's name is shown.
  if (!deps.emailVerified) return [];
  return deps.db
    .select({
      id: schema.tenantInvitations.id,
      tenantName: schema.tenants.name,
      role: schema.tenantInvitations.role,
      createdAt: schema.tenantInvitations.createdAt,
    })
    .from(schema.tenantInvitations)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.tenantInvitations.tenantId))
    .where(and(eq(schema.tenantInvitations.email, deps.email.toLowerCase()), eq(schema.tenantInvitations.status, "pending")))
    .orderBy(schema.tenants.name);
}

/**
 * Accepting makes the invitee an active member with the invited role (an admin already said yes),
 * and gives them a seat by the same capacity rule as approving a join request (through the
 * tenant's allocator); with no free seat they join without one.
 */
export async function respondToInvitation(deps: {
  db: Db;
  allocators: AllocatorFor;
  user: { id: string; email: string; emailVerified: boolean };
  invitationId: string;
  accept: boolean;
  now: number;
}) {
  const { db, now, user } = deps;
  // An invitation goes to an address; only its proven owner may answer it.
  if (!user.emailVerified) {
    throw new AppError({
      code: "email_unverified",
      status: 403,
      message: "Verify your email address first: invitations can only be answered from a verified address.",
    });
  }
  const inv = await db
    .select({
      id: schema.tenantInvitations.id,
      tenantId: schema.tenantInvitations.tenantId,
      role: schema.tenantInvitations.role,
      slug: schema.tenants.slug,
      name: schema.tenants.name,
    })
    .from(schema.tenantInvitations)
    .innerJoin(schema.tenants, eq(schema.tenants.id, schema.tenantInvitations.tenantId))
    .where(
      and(
        eq(schema.tenantInvitations.id, deps.invitationId),
        eq(schema.tenantInvitations.email, user.email.toLowerCase()),
        eq(schema.tenantInvitations.status, "pending"),
      ),
    )
    .get();
  if (!inv) throw notFound("No open invitation for you with that id.");
  const existing = await db
    .select({ status: schema.tenantMemberships.status, role: schema.tenantMemberships.role })
    .from(schema.tenantMemberships)
    .where(and(eq(schema.tenantMemberships.tenantId, inv.tenantId), eq(schema.tenantMemberships.userId, user.id)))
    .get();
  const actor: Actor = { type: "user", id: user.id };
  const close = db
    .update(schema.tenantInvitations)
    .set({ status: deps.accept ? "accepted" : "revoked", acceptedBy: deps.accept ? user.id : null, updatedAt: now })
    .where(and(eq(schema.tenantInvitations.id, inv.id), eq(schema.tenantInvitations.status, "pending")));
  if (!deps.accept) {
    await db.batch([
      close,
      auditInsert(db, {
        actor,
        action: "invitation.declined",
        tenantId: inv.tenantId,
        target: { type: "invitation", id: inv.id },
        before: { status: "pending" },
        after: { status: "declined" },
        at: now,
      }),
    ]);
    return { tenantName: inv.name, slug: inv.slug, joined: false, seat: null };
  }
  const becomesActive = existing?.status !== "active";
  await db.batch([
    close,
    db
      .insert(schema.tenantMemberships)
      .values({
        id: newId("mem"),
        tenantId: inv.tenantId,
        userId: user.id,
        role: inv.role,
        status: "active",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [schema.tenantMemberships.tenantId, schema.tenantMemberships.userId],
        set: { status: "active", role: inv.role, updatedAt: now },
        // An active member keeps their role (an owner invited as member stays an owner).
        setWhere: sql`${schema.tenantMemberships.status} <> 'active'`,
      }),
    auditInsert(db, {
      actor,
      action: "invitation.accepted",
      tenantId: inv.tenantId,
      target: { type: "user", id: user.id },
      before: existing ? { status: existing.status, role: existing.role } : null,
      after: becomesActive ? { status: "active", role: inv.role } : { status: "active", role: existing.role },
      reason: `Invitation ${inv.id}`,
      at: now,
    }),
  ]);
  if (!becomesActive) return { tenantName: inv.name, slug: inv.slug, joined: true, seat: null };
  const r = await deps
    .allocators(inv.tenantId)
    .assign({ tenantId: inv.tenantId, userId: user.id, actor, reason: `Accepted invitation ${inv.id}` });
  // The membership stands either way: a refusal (no plan, all seats taken, over licence) means no seat yet.
  const seat = r.ok
    ? { assigned: true as const, why: null }
    : { assigned: false as const, why: r.code === "no_plan" ? "it has no active plan with seats" : "all its seats are taken" };
  return { tenantName: inv.name, slug: inv.slug, joined: true, seat };
}
