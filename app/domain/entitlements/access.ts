// The one access decision. Pure: the rows come from a single D1 query (access.server.ts).
//
// A user has access to a product when they are an active member of a tenant whose entitlement
// for it is live (./live.ts) and, for a seat-based entitlement, they hold a seat on it. System
// admins always have access.
import { isLive } from "./live";

export const PRODUCT_KEYS = ["organization", "accelerator"] as const;
export type ProductKey = (typeof PRODUCT_KEYS)[number];

export type AccessRow = {
  tenantId: string;
  tenantName: string;
  tenantSlug: string;
  role: "owner" | "admin" | "member";
  entitlementId: string | null;
  productKey: string | null;
  seatBased: boolean | null;
  status: string | null;
  source: string | null;
  sourceRef: string | null;
  quantitySeats: number | null;
  validFrom: number | null;
  validUntil: number | null;
  graceUntil: number | null;
  hasSeat: boolean;
};

export type EntitlementView = {
  entitlementId: string;
  tenantId: string;
  tenantName: string;
  tenantSlug: string;
  productKey: string;
  status: string;
  source: string;
  sourceRef: string;
  seatBased: boolean;
  hasSeat: boolean;
  validFrom: number;
  validUntil: number | null;
  graceUntil: number | null;
  /** Whether this entitlement is live for the tenant right now (seat aside). */
  live: boolean;
  /** Whether it gives this user access (live, and a seat where seats count). */
  grantsUser: boolean;
  /** Why not, when it does not. */
  blocked: null | "not_live" | "needs_seat";
};

export type ProductAccess = {
  granted: boolean;
  via: "entitlement" | "system_admin" | null;
  entitlement: EntitlementView | null;
  /** The closest miss, so the UI can say what is missing (e.g. a seat). */
  reason: null | "no_entitlement" | "not_live" | "needs_seat";
};

export type Access = { [K in ProductKey]: ProductAccess } & { entitlements: EntitlementView[] };

export function decideAccess(rows: AccessRow[], opts: { now: number; isSystemAdmin: boolean }): Access {
  const entitlements: EntitlementView[] = rows
    .filter((r): r is AccessRow & { entitlementId: string; productKey: string } => r.entitlementId !== null && r.productKey !== null)
    .map((r) => {
      const live = isLive(r, opts.now);
      const needsSeat = Boolean(r.seatBased) && !r.hasSeat;
      return {
        entitlementId: r.entitlementId,
        tenantId: r.tenantId,
        tenantName: r.tenantName,
        tenantSlug: r.tenantSlug,
        productKey: r.productKey,
        status: r.status ?? "canceled",
        source: r.source ?? "",
        sourceRef: r.sourceRef ?? "",
        seatBased: Boolean(r.seatBased),
        hasSeat: r.hasSeat,
        validFrom: r.validFrom ?? 0,
        validUntil: r.validUntil,
        graceUntil: r.graceUntil,
        live,
        grantsUser: live && !needsSeat,
        blocked: !live ? "not_live" : needsSeat ? "needs_seat" : null,
      };
    });

  const decide = (key: ProductKey): ProductAccess => {
    const mine = entitlements.filter((e) => e.productKey === key);
    const granting = mine.find((e) => e.grantsUser) ?? null;
    if (granting) return { granted: true, via: "entitlement", entitlement: granting, reason: null };
    const seatMiss = mine.find((e) => e.blocked === "needs_seat") ?? null;
    const reason = seatMiss ? "needs_seat" : mine.length > 0 ? "not_live" : "no_entitlement";
    if (opts.isSystemAdmin) return { granted: true, via: "system_admin", entitlement: null, reason: null };
    return { granted: false, via: null, entitlement: seatMiss ?? mine[0] ?? null, reason };
  };

  return { organization: decide("organization"), accelerator: decide("accelerator"), entitlements };
}

/** Does the tenant itself hold a live entitlement for the product (seats aside)? Used for public pages. */
export function tenantHasLive(
  entitlements: Pick<EntitlementView, "productKey" | "live" | "tenantId">[],
  tenantId: string,
  key: ProductKey,
): boolean {
  return entitlements.some((e) => e.tenantId === tenantId && e.productKey === key && e.live);
}

/** Does this user have the product's access through this particular tenant (or as a system admin)? */
export function userHasAccessIn(access: Access, tenantId: string, key: ProductKey, isSystemAdmin: boolean): boolean {
  return isSystemAdmin || access.entitlements.some((e) => e.tenantId === tenantId && e.productKey === key && e.grantsUser);
}
