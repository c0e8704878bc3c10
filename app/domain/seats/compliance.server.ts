import { and, eq, ne, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { type Actor, auditInsertWhen } from "../audit/audit.server";
import { entitlementColumns, liveCondition } from "../entitlements/live";

// Seat-based entitlements of the tenant row in scope that are live at `now` (seats on ended ones
// grant nothing and do not count), with the seats in use on each.
const liveSeatEntitlements = (now: number) => sql`
  SELECT e.id, e.quantity_seats,
         (SELECT count(*) FROM tenant_entitlement_seat_assignments s
           WHERE s.entitlement_id = e.id AND s.released_at IS NULL) AS observed
    FROM tenant_product_entitlements e JOIN products p ON p.id = e.product_id
   WHERE e.tenant_id = "tenants"."id" AND p.seat_based = 1 AND ${liveCondition(entitlementColumns("e"), now)}`;

const computed = (now: number) =>
  sql`(CASE WHEN EXISTS (SELECT 1 FROM (${liveSeatEntitlements(now)}) x WHERE x.observed > x.quantity_seats) THEN 'over_limit' ELSE 'ok' END)`;
const licensed = (now: number) => sql`(SELECT coalesce(sum(x.quantity_seats), 0) FROM (${liveSeatEntitlements(now)}) x)`;
const observed = (now: number) => sql`(SELECT coalesce(sum(x.observed), 0) FROM (${liveSeatEntitlements(now)}) x)`;

/**
 * A tenant is over its licence when a seat-based entitlement live at `now` has more active seats
 * than it was paid for. Computed in SQL from the rows as they are when the batch runs (after the
 * batch's own changes), so whichever Stripe event is applied last decides, in any order. Audited
 * on change.
 */
export function complianceStatements(db: Db, opts: { tenantId: string; actor: Actor; now: number; reason: string }) {
  const t = schema.tenants;
  const status = computed(opts.now);
  const changes = and(eq(t.id, opts.tenantId), ne(t.complianceStatus, status));
  return [
    auditInsertWhen(
      db,
      {
        actor: opts.actor,
        action: "tenant.compliance_changed",
        at: opts.now,
        tenantId: t.id,
        target: { type: "tenant", id: t.id },
        before: sql`json_object('complianceStatus', ${t.complianceStatus})`,
        after: sql`json_object('complianceStatus', ${status}, 'licensedSeats', ${licensed(opts.now)}, 'observedSeats', ${observed(opts.now)})`,
        reason: opts.reason,
      },
      { from: t, where: changes },
    ),
    db.update(t).set({ complianceStatus: status }).where(changes),
  ];
}
