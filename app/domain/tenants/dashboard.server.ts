import { and, eq, inArray, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { isLive } from "../entitlements/live";
import { listMemberships, type MembershipSummary } from "./memberships.server";

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

/** Each of the user's organisations with the plans it holds (history included, newest first). */
export async function getDashboard(deps: { db: Db; userId: string; now: number }): Promise<TenantDashboard[]> {
  const memberships = await listMemberships(deps);
  const active = memberships.filter((m) => m.status === "active").map((m) => m.tenantId);
  const noSeats = { licensed: 0, observed: 0, compliance: "ok" as const };
  if (active.length === 0) return memberships.map((m) => ({ ...m, plans: [], seats: noSeats, hasSeat: false }));
  const compliance = await deps.db
    .select({ id: schema.tenants.id, status: schema.tenants.complianceStatus })
    .from(schema.tenants)
    .where(inArray(schema.tenants.id, active));
  const rows = await deps.db
    .select({
      e: schema.tenantProductEntitlements,
      productKey: schema.products.key,
      productName: schema.products.name,
      sub: schema.subscriptions,
      seatsUsed: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${schema.tenantProductEntitlements.id} AND s.released_at IS NULL)`,
      mine: sql<number>`EXISTS (SELECT 1 FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${schema.tenantProductEntitlements.id} AND s.user_id = ${deps.userId} AND s.released_at IS NULL)`,
      seatBased: schema.products.seatBased,
    })
    .from(schema.tenantProductEntitlements)
    .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
    .leftJoin(
      schema.subscriptions,
      and(
        eq(schema.subscriptions.stripeSubscriptionId, schema.tenantProductEntitlements.sourceRef),
        inArray(schema.tenantProductEntitlements.source, ["stripe_subscription", "trial"]),
      ),
    )
    .where(inArray(schema.tenantProductEntitlements.tenantId, active))
    .orderBy(sql`${schema.tenantProductEntitlements.createdAt} DESC`);
  return memberships.map((m) => {
    const own = rows.filter((r) => r.e.tenantId === m.tenantId && m.status === "active");
    const seatPlans = own.filter((r) => r.seatBased && isLive(r.e, deps.now));
    return {
      ...m,
      seats: {
        licensed: seatPlans.reduce((n, r) => n + r.e.quantitySeats, 0),
        observed: seatPlans.reduce((n, r) => n + Number(r.seatsUsed), 0),
        compliance: compliance.find((c) => c.id === m.tenantId)?.status ?? "ok",
      },
      hasSeat: seatPlans.some((r) => Boolean(r.mine)),
      plans: own.map((r) => ({
        entitlementId: r.e.id,
        product: { key: r.productKey, name: r.productName },
        status: r.e.status,
        source: r.e.source,
        tier: r.e.tier,
        seatsTotal: r.e.quantitySeats,
        seatsUsed: Number(r.seatsUsed),
        validUntil: r.e.validUntil,
        graceUntil: r.e.graceUntil,
        renewsAt: r.sub && !r.sub.cancelAtPeriodEnd && r.sub.status === "active" ? r.sub.currentPeriodEnd : null,
        trialEndsAt: r.sub?.status === "trialing" ? r.sub.trialEnd : null,
        cancelAtPeriodEnd: r.sub?.cancelAtPeriodEnd ?? false,
        // Stripe's trial_will_end arrived (3 days before), or the trial ends within 3 days.
        trialEndingSoon:
          r.sub?.status === "trialing" &&
          (r.sub.trialWillEndNotifiedAt !== null || (r.sub.trialEnd !== null && r.sub.trialEnd - deps.now < 3 * 86_400_000)),
        validFrom: r.e.validFrom,
      })),
    };
  });
}
