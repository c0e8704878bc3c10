import { type Locale } from "../../i18n/config";
import { type Db } from "../../infra/d1/db.server";
import { localizedName } from "../catalog/catalog-text";
import { isLive } from "../entitlements/live";
import { type MembershipSummary, membershipsStatement } from "./memberships.server";

export type PlanSummary = {
  entitlementId: string;
  product: { key: string; name: string };
  status: string;
  source: string;
  tier: string | null;
  seatsTotal: number;
  seatsUsed: number;
  validUntil: number | null;
  graceUntil: number | null;
  renewsAt: number | null;
  trialEndsAt: number | null;
  cancelAtPeriodEnd: boolean;
  trialEndingSoon: boolean;
  validFrom: number;
};

export type TenantDashboard = MembershipSummary & {
  plans: PlanSummary[];
  /** Seats paid for vs. seats in use on live seat-based plans, and whether the tenant is within its licence. */
  seats: { licensed: number; observed: number; compliance: "ok" | "over_limit" };
  /** Whether this user holds a seat on one of the tenant's live seat-based plans. */
  hasSeat: boolean;
};

// The dashboard's reads as set-based statements over the user's tenants (no per-tenant loop), so a
// signed-in GET makes them in the session lookup's one round trip (ADR 022). `user` is an SQL
// expression for the user's id over `?1`: SESSION_USER on a page, `?1` itself given a user id.
const ACTIVE_TENANTS = (user: string) => `(SELECT tenant_id FROM tenant_memberships WHERE user_id = ${user} AND status = 'active')`;

const PLANS_SQL = (user: string) => `
    SELECT e.id, e.tenant_id, e.status, e.source, e.tier, e.quantity_seats, e.valid_from, e.valid_until, e.grace_until,
           p.key AS product_key, p.name AS product_name, p.translations AS product_translations, p.seat_based,
           s.id AS sub_id, s.status AS sub_status, s.cancel_at_period_end, s.current_period_end, s.trial_end, s.trial_will_end_notified_at,
           (SELECT count(*) FROM tenant_entitlement_seat_assignments a WHERE a.entitlement_id = e.id AND a.released_at IS NULL) AS seats_used,
           EXISTS (SELECT 1 FROM tenant_entitlement_seat_assignments a
                   WHERE a.entitlement_id = e.id AND a.user_id = ${user} AND a.released_at IS NULL) AS mine
    FROM tenant_product_entitlements e
    JOIN products p ON p.id = e.product_id
    LEFT JOIN subscriptions s ON s.stripe_subscription_id = e.source_ref AND e.source IN ('stripe_subscription', 'trial')
    WHERE e.tenant_id IN ${ACTIVE_TENANTS(user)}
    ORDER BY e.created_at DESC`;

type MembershipRow = MembershipSummary & { compliance: "ok" | "over_limit"; customerId: string | null };
type PlanRow = {
  id: string;
  tenant_id: string;
  status: string;
  source: string;
  tier: string | null;
  quantity_seats: number;
  valid_from: number;
  valid_until: number | null;
  grace_until: number | null;
  product_key: string;
  product_name: string;
  product_translations: string;
  seat_based: number;
  sub_id: string | null;
  sub_status: string | null;
  cancel_at_period_end: number | null;
  current_period_end: number | null;
  trial_end: number | null;
  trial_will_end_notified_at: number | null;
  seats_used: number;
  mine: number;
};

/** The two statements of `getDashboard`: the user's memberships (with each tenant's compliance) and their tenants' plans. */
export function dashboardStatements(d1: D1Database, user: string, key: string): [D1PreparedStatement, D1PreparedStatement] {
  return [
    membershipsStatement(d1, user, key, ["t.compliance_status AS compliance", "t.stripe_customer_id AS customerId"]),
    d1.prepare(PLANS_SQL(user)).bind(key),
  ];
}

/** Each of the user's organisations with the plans it holds (history included, newest first). */
export async function getDashboard(deps: { db: Db; userId: string; now: number; locale: Locale }): Promise<TenantDashboard[]> {
  const results = await deps.db.$client.batch(dashboardStatements(deps.db.$client, "?1", deps.userId));
  return dashboardFromRows(
    results.map((r) => r.results),
    deps.now,
    deps.locale,
  ).map(({ customerId: _customerId, ...t }) => t);
}

/**
 * The dashboard of the rows of `dashboardStatements`, with each tenant's Stripe customer (for resuming
 * a paused plan); product names in `locale` (ADR 026).
 */
export function dashboardFromRows(rows: unknown[][], now: number, locale: Locale): (TenantDashboard & { customerId: string | null })[] {
  const memberships = (rows[0] ?? []) as MembershipRow[];
  const plans = (rows[1] ?? []) as PlanRow[];
  return memberships.map(({ compliance, customerId, ...m }) => {
    const own = m.status === "active" ? plans.filter((r) => r.tenant_id === m.tenantId) : [];
    const live = (r: PlanRow) =>
      isLive({ status: r.status, validFrom: r.valid_from, validUntil: r.valid_until, graceUntil: r.grace_until }, now);
    const seatPlans = own.filter((r) => Boolean(r.seat_based) && live(r));
    const trialing = (r: PlanRow) => r.sub_id !== null && r.sub_status === "trialing";
    return {
      ...m,
      customerId,
      seats: {
        licensed: seatPlans.reduce((n, r) => n + r.quantity_seats, 0),
        observed: seatPlans.reduce((n, r) => n + Number(r.seats_used), 0),
        compliance: m.status === "active" ? compliance : "ok",
      },
      hasSeat: seatPlans.some((r) => Boolean(r.mine)),
      plans: own.map((r) => ({
        entitlementId: r.id,
        product: {
          key: r.product_key,
          name: localizedName(r.product_name, r.product_translations, locale),
        },
        status: r.status,
        source: r.source,
        tier: r.tier,
        seatsTotal: r.quantity_seats,
        seatsUsed: Number(r.seats_used),
        validUntil: r.valid_until,
        graceUntil: r.grace_until,
        renewsAt: r.sub_id !== null && !r.cancel_at_period_end && r.sub_status === "active" ? r.current_period_end : null,
        trialEndsAt: trialing(r) ? r.trial_end : null,
        cancelAtPeriodEnd: Boolean(r.cancel_at_period_end),
        // Stripe's trial_will_end arrived (3 days before), or the trial ends within 3 days.
        trialEndingSoon:
          trialing(r) && (r.trial_will_end_notified_at !== null || (r.trial_end !== null && r.trial_end - now < 3 * 86_400_000)),
        validFrom: r.valid_from,
      })),
    };
  });
}
