// The one access decision. Pure: the rows come from a single D1 query (access.server.ts).
//
// A user has access to a product when they are an active member of a tenant whose entitlement
// for it is live (./live.ts) and, for a seat-based entitlement, they hold a seat on it. System
// admins always have access. While the access kill switch is on (ACCESS_KILL_SWITCH), no
// entitlement gives anyone access: only system admins get through.
import { type MessageI18n, withValues } from "../errors";
import { canManage } from "../seats/rules";
import { isGrantLive, isLive, PAUSED_STATUS } from "./live";

/**
 * The compatibility product view (issue 17 keeps it): `/api/me`'s `access.organization` and
 * `access.accelerator` booleans and the dashboard's two "why" lines are a published contract that
 * names the two seeded products, so these keys stay. Nothing decides access by them any more:
 * gates name features (requireFeature, holdsFeature), and `Access.products` holds the same
 * product decision for every product the user's entitlements name, whatever the catalog calls it.
 */
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
  /** The features this entitlement's product (and price) grant, from the same statement. */
  features: FeatureGrant[];
  /** The tenant's single-feature grants (admin), repeated on each of the tenant's rows. */
  featureGrants: TenantFeatureGrant[];
};

/** A system admin's grant of one feature to the tenant, for a period. */
export type TenantFeatureGrant = FeatureGrant & { grantId: string; status: string; validFrom: number; validUntil: number };

/** One product_features row as the access statement returns it. */
export type FeatureGrant = { key: string; kind: "boolean" | "limit"; scope: "user" | "organization"; limit: number | null };

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
  features: FeatureGrant[];
};

export type ProductAccess = {
  granted: boolean;
  via: "entitlement" | "system_admin" | null;
  entitlement: EntitlementView | null;
  /** The closest miss, so the UI can say what is missing (e.g. a seat). */
  reason: null | "no_entitlement" | "not_live" | "paused" | "needs_seat" | "switched_off";
};

/** Why a user holds a feature, or the closest miss. */
export type FeatureAccess = {
  granted: boolean;
  /** For a limit feature: the largest limit among the entitlements that grant it (null for boolean ones). */
  limit: number | null;
  via: null | "system_admin" | FeatureSource;
  reason: null | FeatureMiss;
};
type FeatureMiss = "switched_off" | "needs_manager" | "needs_seat" | "paused" | "not_live";

/** Where a feature comes from: an entitlement (its product or price), or a single-feature grant. */
export type FeatureSource = {
  tenantId: string;
  tenantSlug: string;
  source: string;
  entitlementId: string | null;
  productKey: string | null;
  grantId: string | null;
};

export type Access = { [K in ProductKey]: ProductAccess } & {
  /** The product decision for every product key the user's entitlements name (and the compat keys). */
  products: Record<string, ProductAccess>;
  entitlements: EntitlementView[];
  /** The kill switch closed every entitlement for this user (never for system admins). */
  switchedOff: boolean;
  /** Each feature the user's entitlements and grants name: held or not, through which, or why not (ADR 018). */
  features: Record<string, FeatureAccess>;
  /** The same per tenant (system admins' override left out): what the user holds through each organisation. */
  featuresByTenant: Record<string, Record<string, FeatureAccess>>;
  /** A system admin holds every feature, named by an entitlement or not. */
  systemAdmin: boolean;
};

export function decideAccess(rows: AccessRow[], opts: { now: number; isSystemAdmin: boolean; switchedOff?: boolean }): Access {
  const switchedOff = Boolean(opts.switchedOff) && !opts.isSystemAdmin;
  const entitlements: (EntitlementView & { role: AccessRow["role"] })[] = rows
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
        features: r.features,
        role: r.role,
      };
    });

  const decide = (key: string): ProductAccess => {
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

  const holders = featureHolders(rows, entitlements, opts.now, switchedOff);
  const products = Object.fromEntries(
    [...new Set([...PRODUCT_KEYS, ...entitlements.map((e) => e.productKey)])].map((key) => [key, decide(key)]),
  );
  return {
    organization: products.organization!,
    accelerator: products.accelerator!,
    products,
    entitlements: entitlements.map(({ role: _role, ...e }) => e),
    switchedOff,
    systemAdmin: opts.isSystemAdmin,
    features: decideFeatures(holders, opts.isSystemAdmin),
    featuresByTenant: Object.fromEntries(
      [...new Set(holders.map((h) => h.via.tenantId))].map((t) => [
        t,
        decideFeatures(
          holders.filter((h) => h.via.tenantId === t),
          false,
        ),
      ]),
    ),
  };
}

// The closest miss first: what the user could fix soonest.
const MISS_ORDER: readonly FeatureMiss[] = ["switched_off", "needs_manager", "needs_seat", "paused", "not_live"];

/** Something that grants features to this user: an entitlement, or a tenant's single-feature grant. */
type FeatureHolder = {
  /** Why the holder itself gives nothing now (not live, paused, switched off), else null. */
  closed: Exclude<FeatureMiss, "needs_manager" | "needs_seat"> | null;
  /** A user feature also needs a seat where the product has seats. */
  needsSeat: boolean;
  role: AccessRow["role"];
  features: FeatureGrant[];
  via: FeatureSource;
};

function featureHolders(
  rows: AccessRow[],
  entitlements: (EntitlementView & { role: AccessRow["role"] })[],
  now: number,
  switchedOff: boolean,
): FeatureHolder[] {
  const closedBy = (live: boolean, paused: boolean) => (!live ? (paused ? "paused" : "not_live") : switchedOff ? "switched_off" : null);
  const holders: FeatureHolder[] = entitlements.map((e) => ({
    closed: closedBy(e.live, e.blocked === "paused"),
    needsSeat: e.seatBased && !e.hasSeat,
    role: e.role,
    features: e.features,
    via: {
      tenantId: e.tenantId,
      tenantSlug: e.tenantSlug,
      source: e.source,
      entitlementId: e.entitlementId,
      productKey: e.productKey,
      grantId: null,
    },
  }));
  // Each tenant's grants once (they repeat on every row of the tenant). A grant has no seats.
  const seen = new Set<string>();
  for (const r of rows) {
    for (const g of r.featureGrants) {
      if (seen.has(g.grantId)) continue;
      seen.add(g.grantId);
      holders.push({
        closed: closedBy(isGrantLive(g, now), false),
        needsSeat: false,
        role: r.role,
        features: [g],
        via: {
          tenantId: r.tenantId,
          tenantSlug: r.tenantSlug,
          source: "feature_grant",
          entitlementId: null,
          productKey: null,
          grantId: g.grantId,
        },
      });
    }
  }
  return holders;
}

/**
 * Each feature the user's entitlements or their tenants' grants name: held through a live one, by a
 * seat holder (any member for a product without seats, or a grant) for a `user` feature, by an
 * owner or admin for an `organization` one. Features nothing names are absent: not granted.
 */
function decideFeatures(holders: FeatureHolder[], isSystemAdmin: boolean): Record<string, FeatureAccess> {
  const out: Record<string, FeatureAccess> = {};
  for (const h of holders) {
    for (const f of h.features) {
      const miss: FeatureMiss | null =
        h.closed ?? (f.scope === "organization" ? (canManage(h.role) ? null : "needs_manager") : h.needsSeat ? "needs_seat" : null);
      const have = out[f.key];
      if (miss === null) {
        const limit = f.kind === "limit" ? Math.max(f.limit ?? 0, have?.granted ? (have.limit ?? 0) : 0) : null;
        out[f.key] = { granted: true, limit, via: have?.granted && typeof have.via === "object" ? have.via : h.via, reason: null };
      } else if (!have || (!have.granted && MISS_ORDER.indexOf(miss) < MISS_ORDER.indexOf(have.reason!))) {
        out[f.key] = { granted: false, limit: null, via: h.via, reason: miss };
      }
    }
  }
  if (isSystemAdmin)
    for (const [key, f] of Object.entries(out))
      if (!f.granted) out[key] = { granted: true, limit: f.limit, via: "system_admin", reason: null };
  return out;
}

/** Does the user hold the feature? System admins hold every feature. */
export function holdsFeature(access: Pick<Access, "features" | "systemAdmin">, key: string): boolean {
  return access.systemAdmin || access.features[key]?.granted === true;
}

/** Does the user hold the feature through this organisation (or as a system admin)? */
export function holdsFeatureIn(access: Pick<Access, "featuresByTenant" | "systemAdmin">, tenantId: string, key: string): boolean {
  return access.systemAdmin || access.featuresByTenant[tenantId]?.[key]?.granted === true;
}

/** The organisations through which the user holds the feature themselves. */
export const tenantsHolding = (access: Pick<Access, "featuresByTenant">, key: string): string[] =>
  Object.entries(access.featuresByTenant)
    .filter(([, f]) => f[key]?.granted === true)
    .map(([t]) => t);

/**
 * Does the tenant hold the feature through a live entitlement or grant, whoever this user is (their
 * role and seat aside)? From the user's own access decision: a live source misses only for the role
 * (`needs_manager`), a seat, or the kill switch; anything else is not live.
 */
export function tenantHoldsLive(access: Pick<Access, "featuresByTenant">, tenantId: string, key: string): boolean {
  const f = access.featuresByTenant[tenantId]?.[key];
  return f !== undefined && (f.granted || f.reason === "needs_manager" || f.reason === "needs_seat" || f.reason === "switched_off");
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

// English templates (ADR 024): the messages catalog translates each, with the product's name as `{{product}}`.
const LOCKED: Record<NonNullable<ProductAccess["reason"] | FeatureAccess["reason"]>, string> = {
  needs_manager: "{{product}} is for your organisation's owners and admins.",
  no_entitlement: "{{product}} is not part of your plan yet.",
  not_live: "Your organisation's {{product}} plan is not active.",
  paused: "Your organisation's {{product}} plan is paused: its trial ended without a payment method. Add one in billing to resume.",
  needs_seat: "Your organisation has {{product}}, but you do not have a seat yet. Ask an admin to assign you one.",
  switched_off: "{{product}} is temporarily unavailable for everyone. Your plan and your data are unchanged; please try again later.",
};

/**
 * What the kill switch (ADR 016) says about an action, naming no product: "Downloading is temporarily
 * unavailable...". The action is an English word, so each whole sentence has its own catalog entry.
 */
export const switchedOffMessage = (what: "Uploading" | "Downloading" | "Publishing"): string =>
  withValues(LOCKED.switched_off, { product: what }).message;

/**
 * What a refusal of a feature says (the locked page, a 403 JSON answer), naming the product that grants
 * it: what is missing, no protected data. With no product to name it says "This ...", whose sentences
 * the catalog holds whole (no template: "This" is no name to put in another language's sentence).
 */
export function lockedMessageFor(
  productName: string | null,
  reason: ProductAccess["reason"] | FeatureAccess["reason"],
): { message: string; i18n?: MessageI18n } {
  const template = LOCKED[reason ?? "no_entitlement"];
  return productName === null
    ? { message: withValues(template, { product: "This" }).message }
    : withValues(template, { product: productName });
}
