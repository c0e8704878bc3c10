// Seat decisions, pure: the SeatAllocator reads the state from D1, asks these functions what to
// do, and carries the answer out in one batch. No I/O here, so every rule has a unit test.

import { type MessageI18n, withValues } from "../errors";

export type Role = "owner" | "admin" | "member";
export type MembershipStatus = "pending" | "active" | "removed";
export type Compliance = "ok" | "over_limit";

/** One tenant's seats as the allocator sees them at the start of an operation. */
export type SeatState = {
  tenantId: string;
  /** The live seat-based entitlement seats are assigned on, or null when the tenant has none. */
  entitlementId: string | null;
  capacity: number;
  /** Users holding an active seat on that entitlement. */
  seated: string[];
  compliance: Compliance;
};

/** The user the operation is about, as a member of this tenant (null: not a member at all). */
export type Target = { userId: string; role: Role; status: MembershipStatus } | null;

export type SeatRefusal = {
  ok: false;
  code: string;
  status: number;
  message: string;
  details?: Record<string, unknown>;
  i18n?: MessageI18n;
};

export type AssignDecision =
  | { ok: true; action: "assign"; entitlementId: string; activate: boolean; before: { seatsUsed: number }; after: { seatsUsed: number } }
  | { ok: true; action: "none"; reason: "already_seated" }
  | SeatRefusal;

/** What a member who joined while no seat was free, and their inviter, are told. */
export const NO_SEAT = "No seat: buy more or free one.";

export const seatsTakenMessage = (capacity: number) =>
  `All ${capacity} seat${capacity === 1 ? " is" : "s are"} taken: buy more or release one.`;

/** The refusal when every seat is taken: its English text, and its template and count for other languages. */
export const seatsTaken = (capacity: number) => ({
  message: seatsTakenMessage(capacity),
  i18n: { key: "All {{count}} seats are taken: buy more or release one.", values: { count: capacity } },
});

/**
 * A seat goes to an active member (or, when approving, a pending one) only while the tenant has a
 * live seat-based plan, is within its licence, and fewer seats are in use than were paid for.
 */
export function decideAssign(state: SeatState, target: Target, opts: { approve?: boolean } = {}): AssignDecision {
  if (!target || target.status === "removed") {
    return { ok: false, code: "not_a_member", status: 404, message: "That user is not a member of this organisation." };
  }
  if (opts.approve && target.status !== "pending") {
    return { ok: false, code: "not_pending", status: 409, message: "There is no pending request from that user." };
  }
  if (!opts.approve && target.status !== "active") {
    return { ok: false, code: "membership_pending", status: 409, message: "Approve the membership request first." };
  }
  if (state.entitlementId === null) {
    return { ok: false, code: "no_plan", status: 409, message: "This organisation has no active plan with seats." };
  }
  if (state.seated.includes(target.userId)) {
    if (opts.approve) {
      return {
        ok: true,
        action: "assign",
        entitlementId: state.entitlementId,
        activate: true,
        before: { seatsUsed: state.seated.length },
        after: { seatsUsed: state.seated.length },
      };
    }
    return { ok: true, action: "none", reason: "already_seated" };
  }
  if (state.compliance === "over_limit" || state.seated.length > state.capacity) {
    const excess = state.seated.length - state.capacity;
    return {
      ok: false,
      code: "over_limit",
      status: 409,
      message: `The organisation uses ${state.seated.length} seats but is licensed for ${state.capacity}: release ${Math.max(excess, 0)} before assigning new ones.`,
      i18n: {
        key: "The organisation uses {{used}} seats but is licensed for {{licensed}}: release {{excess}} before assigning new ones.",
        values: { used: state.seated.length, licensed: state.capacity, excess: Math.max(excess, 0) },
      },
      details: { licensed: state.capacity, observed: state.seated.length },
    };
  }
  if (state.seated.length >= state.capacity) {
    return {
      ok: false,
      code: "no_seats_available",
      status: 409,
      ...seatsTaken(state.capacity),
      details: { capacity: state.capacity, used: state.seated.length },
    };
  }
  return {
    ok: true,
    action: "assign",
    entitlementId: state.entitlementId,
    activate: Boolean(opts.approve),
    before: { seatsUsed: state.seated.length },
    after: { seatsUsed: state.seated.length + 1 },
  };
}

export type ReleaseDecision =
  | {
      ok: true;
      action: "release";
      entitlementId: string;
      compliance: Compliance;
      before: { seatsUsed: number };
      after: { seatsUsed: number };
    }
  | SeatRefusal;

/**
 * Releasing needs a seat to release, and an owner's seat is released only by an owner (as with
 * removing one); afterwards the tenant is compliant again once within its licence.
 */
export function decideRelease(state: SeatState, target: Target, opts: { actorRole: Role }): ReleaseDecision {
  if (!target || target.status === "removed") {
    return { ok: false, code: "not_a_member", status: 404, message: "That user is not a member of this organisation." };
  }
  if (target.role === "owner" && opts.actorRole !== "owner") {
    return { ok: false, code: "owners_only", status: 403, message: "Only an owner can release an owner's seat." };
  }
  if (state.entitlementId === null || !state.seated.includes(target.userId)) {
    return { ok: false, code: "no_seat", status: 404, message: "That member has no seat to release." };
  }
  const after = state.seated.length - 1;
  return {
    ok: true,
    action: "release",
    entitlementId: state.entitlementId,
    compliance: complianceFor({ licensed: state.capacity, observed: after }),
    before: { seatsUsed: state.seated.length },
    after: { seatsUsed: after },
  };
}

export function complianceFor(s: { licensed: number; observed: number }): Compliance {
  return s.observed > s.licensed ? "over_limit" : "ok";
}

export type CapacityDecision =
  { ok: true; action: "set"; before: { capacity: number }; after: { capacity: number } } | { ok: true; action: "none" } | SeatRefusal;

export const MAX_SEATS = 100;

/** Capacity never drops below the seats in use: the caller is told how many to release first. */
export function decideCapacity(state: SeatState, quantity: number): CapacityDecision {
  if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_SEATS) {
    return { ok: false, code: "invalid_quantity", status: 422, ...seatRange(0, MAX_SEATS) };
  }
  if (state.entitlementId === null) {
    return { ok: false, code: "no_plan", status: 409, message: "This organisation has no active plan with seats." };
  }
  if (quantity < state.seated.length) return belowAssigned(state.seated.length, quantity);
  if (quantity === state.capacity) return { ok: true, action: "none" };
  return { ok: true, action: "set", before: { capacity: state.capacity }, after: { capacity: quantity } };
}

const seatRange = (min: number, max: number) => withValues("Seats must be a whole number from {{min}} to {{max}}.", { min, max });

export function belowAssigned(assigned: number, quantity: number): SeatRefusal {
  const release = assigned - quantity;
  return {
    ok: false,
    code: "seats_in_use",
    status: 409,
    message: `${assigned} seats are assigned: release ${release} seat${release === 1 ? "" : "s"} before going down to ${quantity}.`,
    i18n: {
      key: "{{assigned}} seats are assigned: release {{count}} seats before going down to {{quantity}}.",
      values: { assigned, count: release, quantity },
    },
    details: { assigned, requested: quantity, releaseFirst: release },
  };
}

/** The roles that manage a tenant; SQL filters on roles use this list too. */
export const MANAGER_ROLES = ["owner", "admin"] as const satisfies readonly Role[];

/** Owners and admins manage members, seats and billing. */
export const canManage = (role: Role | null | undefined) => (MANAGER_ROLES as readonly (Role | null | undefined)[]).includes(role);

export const MANAGERS_ONLY = "Only owners and admins manage members, seats and billing.";

/**
 * Organisation-level actions (publishing the roadmap, billing, members, uploads, licence tokens)
 * need an owner or admin role and, for those that use the plan, the tenant's live entitlement;
 * never a seat of the actor's own: a seat is what a person needs to use the product.
 */
export function decideOrgAction(opts: {
  /** The actor's role as an active member of the tenant (null: not one). */
  role: Role | null;
  /** Whether the action uses the plan, and whether the tenant holds it live right now. */
  plan?: { live: boolean; refusal: string };
  refusal?: string;
}): { ok: true } | SeatRefusal {
  if (opts.role === null) return { ok: false, code: "not_found", status: 404, message: "No such organisation." };
  if (!canManage(opts.role)) return { ok: false, code: "no_access", status: 403, message: opts.refusal ?? MANAGERS_ONLY };
  if (opts.plan && !opts.plan.live) return { ok: false, code: "no_live_plan", status: 403, message: opts.plan.refusal };
  return { ok: true };
}

export type RoleChange = { ok: true; action: "set" | "none" } | SeatRefusal;

/**
 * Role changes: only owners make or unmake owners, and the last active owner stays an owner.
 */
export function decideRoleChange(opts: { actorRole: Role; target: Target; to: Role; activeOwners: number }): RoleChange {
  const { target } = opts;
  if (!target || target.status !== "active") {
    return { ok: false, code: "not_a_member", status: 404, message: "That user is not an active member of this organisation." };
  }
  if (target.role === opts.to) return { ok: true, action: "none" };
  if ((target.role === "owner" || opts.to === "owner") && opts.actorRole !== "owner") {
    return { ok: false, code: "owners_only", status: 403, message: "Only an owner can make or unmake owners." };
  }
  if (target.role === "owner" && opts.activeOwners <= 1) {
    return { ok: false, code: "last_owner", status: 409, message: "The last owner cannot be demoted: make someone else an owner first." };
  }
  return { ok: true, action: "set" };
}

export type RemovalDecision = { ok: true; releaseSeat: boolean } | SeatRefusal;

/** Removing a member releases their seat; owners are removed only by owners, and never the last one. */
export function decideRemoval(opts: { actorRole: Role; target: Target; activeOwners: number; seated: boolean }): RemovalDecision {
  const { target } = opts;
  if (!target || target.status === "removed") {
    return { ok: false, code: "not_a_member", status: 404, message: "That user is not a member of this organisation." };
  }
  if (target.role === "owner" && opts.actorRole !== "owner") {
    return { ok: false, code: "owners_only", status: 403, message: "Only an owner can remove an owner." };
  }
  if (target.role === "owner" && target.status === "active" && opts.activeOwners <= 1) {
    return { ok: false, code: "last_owner", status: 409, message: "The last owner cannot be removed." };
  }
  return { ok: true, releaseSeat: opts.seated };
}

export type TierPrice = {
  id: string;
  interval: "month" | "year" | null;
  minSeats: number | null;
  maxSeats: number | null;
  unitAmount: number;
  tier: string | null;
};

export type QuantityChange =
  | {
      ok: true;
      action: "change";
      priceId: string;
      tier: string | null;
      unitAmount: number;
      switchesTier: boolean;
      /** Buying seats is charged now; going down is credited on the next invoice. */
      proration: "always_invoice" | "create_prorations";
      before: { quantity: number; priceId: string };
      after: { quantity: number; priceId: string };
    }
  | { ok: true; action: "none" }
  | SeatRefusal;

/**
 * A new seat count for a subscription: inside the interval's tiers, never below the seats in use,
 * and on the price whose tier holds the new count (a tier boundary switches price and quantity together).
 */
export function decideQuantityChange(opts: {
  current: { quantity: number; priceId: string; interval: "month" | "year" };
  requested: number;
  assigned: number;
  prices: TierPrice[];
}): QuantityChange {
  const { current, requested } = opts;
  const ofInterval = opts.prices.filter((p) => p.interval === current.interval);
  const min = Math.min(...ofInterval.map((p) => p.minSeats ?? 1));
  const max = Math.max(...ofInterval.map((p) => p.maxSeats ?? p.minSeats ?? 1));
  if (!Number.isInteger(requested) || ofInterval.length === 0 || requested < min || requested > max) {
    return {
      ok: false,
      code: "invalid_quantity",
      status: 422,
      ...seatRange(min, max),
      details: { min, max },
    };
  }
  if (requested < opts.assigned) return belowAssigned(opts.assigned, requested);
  const price = ofInterval.find(
    (p) => (p.minSeats === null || requested >= p.minSeats) && (p.maxSeats === null || requested <= p.maxSeats),
  );
  if (!price)
    return { ok: false, code: "invalid_quantity", status: 422, ...withValues("No plan covers {{requested}} seats.", { requested }) };
  if (requested === current.quantity && price.id === current.priceId) return { ok: true, action: "none" };
  return {
    ok: true,
    action: "change",
    priceId: price.id,
    tier: price.tier,
    unitAmount: price.unitAmount,
    switchesTier: price.id !== current.priceId,
    proration: requested > current.quantity ? "always_invoice" : "create_prorations",
    before: { quantity: current.quantity, priceId: current.priceId },
    after: { quantity: requested, priceId: price.id },
  };
}

/** How long a seat-change quote may be confirmed: its proration date is Stripe's "as of" for the charge. */
export const QUOTE_TTL_MS = 60 * 60 * 1000;
// Quotes are stamped by our own clock; a little skew between Workers machines is not forgery.
const QUOTE_CLOCK_SKEW_MS = 60 * 1000;

/**
 * A confirmed seat change is billed as of the quote's proration date, so it must be a quote we
 * could have made: not in the future, and at most QUOTE_TTL_MS old.
 */
export function checkQuoteTime(opts: { prorationDate: number; now: number }): { ok: true } | SeatRefusal {
  const { prorationDate, now } = opts;
  if (prorationDate > now + QUOTE_CLOCK_SKEW_MS) {
    return {
      ok: false,
      code: "invalid_quote",
      status: 422,
      message: "This price quote is not valid. Review the new quote and confirm again.",
    };
  }
  if (prorationDate < now - QUOTE_TTL_MS) {
    return {
      ok: false,
      code: "quote_expired",
      status: 409,
      message: "This price quote is more than an hour old. Review the new quote and confirm again.",
    };
  }
  return { ok: true };
}
