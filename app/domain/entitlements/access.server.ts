import { sql } from "drizzle-orm";
import { type Db } from "../../infra/d1/db.server";
import { type Access, type AccessRow, decideAccess } from "./access";

type RawRow = {
  tenant_id: string;
  tenant_name: string;
  tenant_slug: string;
  role: AccessRow["role"];
  entitlement_id: string | null;
  product_key: string | null;
  seat_based: number | null;
  status: string | null;
  source: string | null;
  source_ref: string | null;
  quantity_seats: number | null;
  valid_from: number | null;
  valid_until: number | null;
  grace_until: number | null;
  has_seat: number;
};

/** All of a user's access in exactly one D1 query: memberships, entitlements, products and seats. */
export async function loadAccess(deps: { db: Db; userId: string; isSystemAdmin: boolean; now: number }): Promise<Access> {
  const rows = await deps.db.all<RawRow>(sql`
    SELECT m.tenant_id, t.name AS tenant_name, t.slug AS tenant_slug, m.role,
           e.id AS entitlement_id, p.key AS product_key, p.seat_based, e.status, e.source, e.source_ref,
           e.quantity_seats, e.valid_from, e.valid_until, e.grace_until,
           EXISTS (SELECT 1 FROM tenant_entitlement_seat_assignments s
                   WHERE s.entitlement_id = e.id AND s.user_id = m.user_id AND s.released_at IS NULL) AS has_seat
    FROM tenant_memberships m
    JOIN tenants t ON t.id = m.tenant_id
    LEFT JOIN tenant_product_entitlements e ON e.tenant_id = m.tenant_id
    LEFT JOIN products p ON p.id = e.product_id
    WHERE m.user_id = ${deps.userId} AND m.status = 'active'
    ORDER BY e.created_at DESC`);
  return decideAccess(
    rows.map((r) => ({
      tenantId: r.tenant_id,
      tenantName: r.tenant_name,
      tenantSlug: r.tenant_slug,
      role: r.role,
      entitlementId: r.entitlement_id,
      productKey: r.product_key,
      seatBased: r.seat_based === null ? null : Boolean(r.seat_based),
      status: r.status,
      source: r.source,
      sourceRef: r.source_ref,
      quantitySeats: r.quantity_seats,
      validFrom: r.valid_from,
      validUntil: r.valid_until,
      graceUntil: r.grace_until,
      hasSeat: Boolean(r.has_seat),
    })),
    { now: deps.now, isSystemAdmin: deps.isSystemAdmin },
  );
}
