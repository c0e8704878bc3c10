import { eq, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { hex } from "../../infra/hex";
import { newId, randomString } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { AppError } from "../errors";
import { type ManagedTenant, requireManagedTenant } from "../seats/seats.server";
import { clientCompliance } from "./rules";
import { liveSeatEntitlements } from "../entitlements/organization.server";

// Client licence compliance: a tenant's clients check in with its licence token, and the clients
// seen recently are compared with the Organization seats it pays for.

// A client counts as observed while it has checked in within this window.
export const CLIENT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

const sha256Hex = async (s: string) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));

/** Owners and admins of a tenant with a live Organization plan (re)generate its client licence token; the old one stops working. Shown once. */
export async function rotateLicenceToken(deps: { db: Db; userId: string; tenant: ManagedTenant; now: number }) {
  await requireManagedTenant({
    db: deps.db,
    userId: deps.userId,
    slug: deps.tenant.slug,
    refusal: "Only owners and admins can rotate the licence token.",
    plan: { feature: "organization.manage", now: deps.now, refusal: "Licence tokens come with a live Organization plan." },
  });
  const tenantId = deps.tenant.id;
  const token = `glt_${randomString(40)}`;
  const tokenHash = await sha256Hex(token);
  await deps.db.batch([
    deps.db
      .insert(schema.clientLicenceTokens)
      .values({ tenantId, tokenHash, createdBy: deps.userId, createdAt: deps.now })
      .onConflictDoUpdate({ target: schema.clientLicenceTokens.tenantId, set: { tokenHash, createdBy: deps.userId, createdAt: deps.now } }),
    auditInsert(deps.db, {
      actor: { type: "user", id: deps.userId },
      action: "licence_token.rotate",
      tenantId,
      target: { type: "tenant", id: tenantId },
      at: deps.now,
    }),
  ]);
  return { token };
}

/** Licensed clients = the Organization seats of the tenant's live entitlements; observed = clients seen in 30 days. */
export async function clientSummary(deps: { db: Db; tenantId: string; now: number }) {
  const licensed = (await liveSeatEntitlements(deps)).reduce((n, e) => n + e.seats, 0);
  const observed = await deps.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM client_checkins WHERE tenant_id = ${deps.tenantId} AND last_seen_at > ${deps.now - CLIENT_WINDOW_MS}`,
  );
  const hasToken = Boolean(
    await deps.db
      .select({ t: schema.clientLicenceTokens.tenantId })
      .from(schema.clientLicenceTokens)
      .where(eq(schema.clientLicenceTokens.tenantId, deps.tenantId))
      .get(),
  );
  const n = observed?.n ?? 0;
  return { licensed, observed: n, compliance: clientCompliance(licensed, n), hasToken };
}

/**
 * Clients observed in the window per tenant the user (`user`, an SQL expression over `?1`) is an
 * active member of, as one statement for a page's batch (ADR 022); `?2` is the window's start.
 */
export function observedClientsStatement(d1: D1Database, user: string, key: string, now: number): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT tenant_id AS tenantId, count(*) AS n FROM client_checkins
        WHERE tenant_id IN (SELECT tenant_id FROM tenant_memberships WHERE user_id = ${user} AND status = 'active')
          AND last_seen_at > ?2
        GROUP BY tenant_id`,
    )
    .bind(key, now - CLIENT_WINDOW_MS);
}

/** `clientSummary`'s licensed, observed and compliance for many tenants: licensed seats given, observed from `observedClientsStatement`. */
export function clientSummariesFromRows(rows: unknown[], licensed: Record<string, number>) {
  const observed = new Map((rows as { tenantId: string; n: number }[]).map((r) => [r.tenantId, r.n]));
  return Object.fromEntries(
    Object.entries(licensed).map(([tenantId, seats]) => {
      const n = observed.get(tenantId) ?? 0;
      return [tenantId, { licensed: seats, observed: n, compliance: clientCompliance(seats, n) }];
    }),
  );
}

/** A client checks in with its tenant's licence token; each distinct client id counts once. */
export async function clientCheckIn(deps: { db: Db; token: string; clientId: string; now: number }) {
  const tokenHash = await sha256Hex(deps.token);
  const row = await deps.db
    .select({ tenantId: schema.clientLicenceTokens.tenantId })
    .from(schema.clientLicenceTokens)
    .where(eq(schema.clientLicenceTokens.tokenHash, tokenHash))
    .get();
  if (!row) throw new AppError({ code: "invalid_token", status: 401, message: "Unknown or rotated licence token." });
  await deps.db
    .insert(schema.clientCheckins)
    .values({ id: newId("cli"), tenantId: row.tenantId, clientId: deps.clientId, firstSeenAt: deps.now, lastSeenAt: deps.now })
    .onConflictDoUpdate({ target: [schema.clientCheckins.tenantId, schema.clientCheckins.clientId], set: { lastSeenAt: deps.now } });
  const summary = await clientSummary({ db: deps.db, tenantId: row.tenantId, now: deps.now });
  return { licensed: summary.licensed, observed: summary.observed, compliance: summary.compliance };
}
