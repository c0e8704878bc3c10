import { type Db } from "../../infra/d1/db.server";
import { type Access, type AccessRow, decideAccess, type FeatureGrant, type TenantFeatureGrant } from "./access";

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
  features: string | null;
  feature_grants: string;
};

// Memberships, entitlements, products, seats and the features each entitlement grants (ADR 017) for one user, picked by `?` (USER) or by the
// user behind a session id (SESSION), so a read can fetch it in the session lookup's round trip.
const accessSql = (who: string) => `
    SELECT m.tenant_id, t.name AS tenant_name, t.slug AS tenant_slug, m.role,
           e.id AS entitlement_id, p.key AS product_key, p.seat_based, e.status, e.source, e.source_ref,
           e.quantity_seats, e.valid_from, e.valid_until, e.grace_until,
           EXISTS (SELECT 1 FROM tenant_entitlement_seat_assignments s
                   WHERE s.entitlement_id = e.id AND s.user_id = m.user_id AND s.released_at IS NULL) AS has_seat,
           (SELECT json_group_array(json_object('key', f.key, 'kind', f.kind, 'scope', f.scope, 'limit', pf.limit_value))
              FROM product_features pf JOIN features f ON f.id = pf.feature_id
             WHERE pf.product_id = e.product_id AND (pf.price_id IS NULL OR pf.price_id = e.price_id)) AS features,
           (SELECT json_group_array(json_object('grantId', g.id, 'key', f.key, 'kind', f.kind, 'scope', f.scope, 'limit', g.limit_value,
                                                'status', g.status, 'validFrom', g.valid_from, 'validUntil', g.valid_until))
              FROM tenant_feature_grants g JOIN features f ON f.id = g.feature_id
             WHERE g.tenant_id = m.tenant_id AND g.status = 'active') AS feature_grants
    FROM tenant_memberships m
    JOIN tenants t ON t.id = m.tenant_id
    LEFT JOIN tenant_product_entitlements e ON e.tenant_id = m.tenant_id
    LEFT JOIN products p ON p.id = e.product_id
    WHERE m.user_id = ${who} AND m.status = 'active'
    ORDER BY e.created_at DESC`;
const BY_USER = accessSql("?");
const BY_SESSION = accessSql("(SELECT user_id FROM sessions WHERE id = ?)");

/** The access query as one D1 statement, for the user or for the user behind a session id. */
export function accessStatement(d1: D1Database, who: { userId: string } | { sessionId: string }): D1PreparedStatement {
  return "userId" in who ? d1.prepare(BY_USER).bind(who.userId) : d1.prepare(BY_SESSION).bind(who.sessionId);
}

/** All of a user's access in exactly one D1 query: memberships, entitlements, products and seats. */
export async function loadAccess(deps: {
  db: Db;
  userId: string;
  isSystemAdmin: boolean;
  now: number;
  switchedOff?: boolean;
}): Promise<Access> {
  const { results } = await accessStatement(deps.db.$client, { userId: deps.userId }).all<RawRow>();
  return accessFromRows(results, deps);
}

/** The access decision over rows of the access statement. */
export function accessFromRows(rows: unknown[], opts: { isSystemAdmin: boolean; now: number; switchedOff?: boolean }): Access {
  return decideAccess(
    (rows as RawRow[]).map((r) => ({
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
      features: r.entitlement_id && r.features ? (JSON.parse(r.features) as FeatureGrant[]) : [],
      featureGrants: JSON.parse(r.feature_grants) as TenantFeatureGrant[],
    })),
    { now: opts.now, isSystemAdmin: opts.isSystemAdmin, switchedOff: opts.switchedOff },
  );
}
