// The one access decision. Pure: the rows come from a single D1 query (access.server.ts).
//
// A user has access to a product when they are an active member of a tenant whose entitlement
// for it is live (./live.ts) and, for a seat-based entitlement, they hold a seat on it. System
// admins always have access. While the access kill switch is on (ACCESS_KILL_SWITCH), no
// entitlement gives anyone access: only system admins get through.
import { isLive, PAUSED_STATUS } from "./live";

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
  blocked: null | "not_live" | "paused" | "needs_seat" | "switched_off";
};

export type ProductAccess = {
  granted: boolean;
  via: "entitlement" | "system_admin" | null;
  entitlement: EntitlementView | null;
  /** The closest miss, so the UI can say what is missing (e.g. a seat). */
  reason: null | "no_entitlement" | "not_live" | "paused" | "needs_seat" | "switched_off";
};

export type Access = { [K in ProductKey]: ProductAccess } & {
  entitlements: EntitlementView[];
  /** The kill switch closed every entitlement for this user (never for system admins). */
  switchedOff: boolean;
};

export function decideAccess(rows: AccessRow[], opts: { now: number; isSystemAdmin: boolean; switchedOff?: boolean }): Access {
  const switchedOff = Boolean(opts.switchedOff) && !opts.isSystemAdmin;
  const entitlements: EntitlementView[] = rows
    .filter((r): r is AccessRow & { entitlementId: string; productKey: string } => r.entitlementId !== null && r.productKey !== null)
    .map((r) => {
      const live = isLive(r, opts.now);
      const needsSeat = Boolean(r.seatBased) && !r.hasSeat;
      const blocked = !live
        ? r.status === PAUSED_STATUS
          ? "paused"
          : "not_live"
        : needsSeat
          ? "needs_seat"
          : switchedOff
            ? "switched_off"
            : null;
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
        grantsUser: blocked === null,
        blocked,
      };
    });

  const decide = (key: ProductKey): ProductAccess => {
    const mine = entitlements.filter((e) => e.productKey === key);
    const granting = mine.find((e) => e.grantsUser) ?? null;
    if (granting) return { granted: true, via: "entitlement", entitlement: granting, reason: null };
    if (opts.isSystemAdmin) return { granted: true, via: "system_admin", entitlement: null, reason: null };
    // The closest miss: switched off, then a missing seat, then a paused plan, then any other.
    const closest = (["switched_off", "needs_seat", "paused"] as const)
      .map((b) => mine.find((e) => e.blocked === b))
      .find((e) => e !== undefined);
    if (closest) return { granted: false, via: null, entitlement: closest, reason: closest.blocked };
    if (switchedOff) return { granted: false, via: null, entitlement: mine[0] ?? null, reason: "switched_off" };
    return { granted: false, via: null, entitlement: mine[0] ?? null, reason: mine.length > 0 ? "not_live" : "no_entitlement" };
  };

  return { organization: decide("organization"), accelerator: decide("accelerator"), entitlements, switchedOff };
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

const PRODUCT_NAMES: Record<ProductKey, string> = { organization: "Organization", accelerator: "Accelerator" };
const LOCKED: Record<NonNullable<ProductAccess["reason"]>, (p: string) => string> = {
  no_entitlement: (p) => `${p} is not part of your plan yet.`,
  not_live: (p) => `Your organisation's ${p} plan is not active.`,
  paused: (p) => `Your organisation's ${p} plan is paused: its trial ended without a payment method. Add one in billing to resume.`,
  needs_seat: (p) => `Your organisation has ${p}, but you do not have a seat yet. Ask an admin to assign you one.`,
  switched_off: (p) => `${p} is temporarily unavailable for everyone. Your plan and your data are unchanged; please try again later.`,
};

/** What a refusal of the product says (the locked page, a 403 JSON answer): what is missing, no protected data. */
export const lockedMessage = (product: ProductKey, reason: ProductAccess["reason"]): string =>
  LOCKED[reason ?? "no_entitlement"](PRODUCT_NAMES[product]);
