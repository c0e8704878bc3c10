import { eq } from "drizzle-orm";
import { type BatchItem } from "drizzle-orm/batch";
import { type Db, schema } from "../../infra/d1/db.server";
import { CODE_ALPHABET, newId, randomString } from "../../infra/ids";
import { auditInsert, type Actor } from "../audit/audit.server";
import { slugify } from "../slug";

// A tenant comes into being in two places, a paid checkout (billing/provision) and an admin's
// explicit creation (tenants/admin): both build it here, so both make the same tenant.

/** An organisation's slug: its name's, or that with the tenant id's tail where another tenant holds it. */
export async function freeSlug(db: Db, name: string, tenantId: string): Promise<string> {
  const base = slugify(name, { max: 40, fallback: "org" });
  const taken = await db.select({ id: schema.tenants.id }).from(schema.tenants).where(eq(schema.tenants.slug, base)).get();
  if (!taken || taken.id === tenantId) return base;
  return `${base}-${tenantId.slice(-6)}`;
}

/** The user's active owner membership of the tenant; a membership that stands already is kept as it is. */
export function ownerMembershipInsert(db: Db, m: { tenantId: string; userId: string; now: number }) {
  return db
    .insert(schema.tenantMemberships)
    .values({
      id: newId("mem"),
      tenantId: m.tenantId,
      userId: m.userId,
      role: "owner",
      status: "active",
      createdAt: m.now,
      updatedAt: m.now,
    })
    .onConflictDoNothing();
}

/**
 * A new tenant with its owner, for one batch: the tenant row (with a fresh join code), the owner's
 * membership, and an audit row for each. A retry with the same tenant id adds no second tenant.
 */
export function newTenantStatements(
  db: Db,
  t: {
    id: string;
    name: string;
    slug: string;
    ownerUserId: string;
    createdBy: string;
    stripeCustomerId?: string;
    /** The purchase intent that paid for it, kept in the tenant.created audit row. */
    intentId?: string;
    actor: Actor;
    reason: { tenant: string; owner: string };
    now: number;
  },
): [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] {
  const { id: tenantId, name, slug, actor, now } = t;
  return [
    db
      .insert(schema.tenants)
      .values({
        id: tenantId,
        name,
        slug,
        joinCode: randomString(8, CODE_ALPHABET),
        stripeCustomerId: t.stripeCustomerId,
        createdAt: now,
        createdBy: t.createdBy,
      })
      .onConflictDoNothing(),
    ownerMembershipInsert(db, { tenantId, userId: t.ownerUserId, now }),
    auditInsert(db, {
      actor,
      action: "tenant.created",
      tenantId,
      target: { type: "tenant", id: tenantId },
      after: { name, slug, ownerUserId: t.ownerUserId, intentId: t.intentId },
      reason: t.reason.tenant,
      at: now,
    }),
    auditInsert(db, {
      actor,
      action: "membership.created",
      tenantId,
      target: { type: "user", id: t.ownerUserId },
      after: { role: "owner", status: "active" },
      reason: t.reason.owner,
      at: now,
    }),
  ];
}
