// What makes an entitlement live: the one definition, in TypeScript (isLive) and in SQL
// (liveCondition), built from the same constants. Pure: no D1 here; callers run the SQL.
// tests/integration/live-entitlement.test.ts checks in D1 that the two agree.
import { type SQL, sql, type SQLWrapper } from "drizzle-orm";

/** Statuses in which an entitlement can be live (the dates, and for past_due the grace, decide). */
export const LIVE_STATUSES = ["active", "trialing", "past_due"] as const;
/** The live status that lasts only until grace_until. */
export const GRACE_STATUS = "past_due" satisfies (typeof LIVE_STATUSES)[number];
/**
 * Not live: a subscription Stripe paused when its trial ended without a payment method. Access ends,
 * nothing is removed, and the entitlement is live again once the subscription resumes.
 */
export const PAUSED_STATUS = "paused";

export type LiveFields = { status: string | null; validFrom: number | null; validUntil: number | null; graceUntil: number | null };

export const isLiveStatus = (status: string | null): boolean => (LIVE_STATUSES as readonly (string | null)[]).includes(status);

/**
 * An entitlement is live at `now` when its status is active or trialing, or past_due with
 * grace_until after now, and now is inside [valid_from, valid_until) (a null date is no bound).
 * Every other status (paused, canceled, expired, revoked) is not live, whatever its dates.
 */
export function isLive(e: LiveFields, now: number): boolean {
  if (e.validFrom !== null && e.validFrom > now) return false;
  if (e.validUntil !== null && e.validUntil <= now) return false;
  if (!isLiveStatus(e.status)) return false;
  if (e.status === GRACE_STATUS) return e.graceUntil !== null && e.graceUntil > now;
  return true;
}

/** The entitlement columns the rule reads: drizzle columns, or aliased references from `entitlementColumns`. */
export type LiveColumns = { status: SQLWrapper; validFrom: SQLWrapper; validUntil: SQLWrapper; graceUntil: SQLWrapper };

/** References to an aliased tenant_product_entitlements in hand-written SQL (`FROM tenant_product_entitlements e`). */
export function entitlementColumns(alias: string): LiveColumns {
  const col = (name: string) => sql`${sql.identifier(alias)}.${sql.identifier(name)}`;
  return { status: col("status"), validFrom: col("valid_from"), validUntil: col("valid_until"), graceUntil: col("grace_until") };
}

const quoted = (s: string) => `'${s}'`;
// Our own constants, inlined as literals; only `now` is bound.
const LIVE_STATUS_LIST = sql.raw(LIVE_STATUSES.map(quoted).join(", "));
const GRACE_STATUS_LITERAL = sql.raw(quoted(GRACE_STATUS));

/** isLive as a SQL condition over `c` (0 or 1 for any non-null status, never NULL). */
export function liveCondition(c: LiveColumns, now: number): SQL {
  return sql`(${c.status} IN (${LIVE_STATUS_LIST})
    AND (${c.validFrom} IS NULL OR ${c.validFrom} <= ${now})
    AND (${c.validUntil} IS NULL OR ${c.validUntil} > ${now})
    AND (${c.status} <> ${GRACE_STATUS_LITERAL} OR (${c.graceUntil} IS NOT NULL AND ${c.graceUntil} > ${now})))`;
}

/** A single-feature grant (ADR 018) is live while active and inside [valid_from, valid_until). */
export const isGrantLive = (g: { status: string; validFrom: number; validUntil: number }, now: number): boolean =>
  g.status === "active" && g.validFrom <= now && g.validUntil > now;
