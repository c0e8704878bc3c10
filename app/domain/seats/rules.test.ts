import { expect, test } from "vitest";
import {
  canManage,
  checkQuoteTime,
  complianceFor,
  decideAssign,
  decideCapacity,
  decideOrgAction,
  decideQuantityChange,
  decideRelease,
  decideRemoval,
  decideRoleChange,
  MANAGER_ROLES,
  QUOTE_TTL_MS,
  type SeatState,
  type TierPrice,
} from "./rules";

const state = (over: Partial<SeatState> = {}): SeatState => ({
  tenantId: "ten_1",
  entitlementId: "ent_1",
  capacity: 3,
  seated: ["u_owner"],
  compliance: "ok",
  ...over,
});
const member = (userId: string, status: "pending" | "active" | "removed" = "active", role: "owner" | "admin" | "member" = "member") => ({
  userId,
  role,
  status,
});

test("assign gives a free seat to an active member", () => {
  const d = decideAssign(state(), member("u_2"));
  expect(d).toMatchObject({ ok: true, action: "assign", entitlementId: "ent_1", activate: false, after: { seatsUsed: 2 } });
});

test("assign with every seat taken is a 409 that names the count", () => {
  const d = decideAssign(state({ seated: ["a", "b", "c"] }), member("u_2"));
  expect(d).toMatchObject({
    ok: false,
    status: 409,
    code: "no_seats_available",
    message: "All 3 seats are taken: buy more or release one.",
  });
});

test("assign twice is a no-op, not a second seat", () => {
  expect(decideAssign(state({ seated: ["u_2"] }), member("u_2"))).toEqual({ ok: true, action: "none", reason: "already_seated" });
});

test("assign refuses non-members, removed and pending members, and tenants without a plan", () => {
  expect(decideAssign(state(), null)).toMatchObject({ ok: false, status: 404 });
  expect(decideAssign(state(), member("u", "removed"))).toMatchObject({ ok: false, status: 404 });
  expect(decideAssign(state(), member("u", "pending"))).toMatchObject({ ok: false, code: "membership_pending" });
  expect(decideAssign(state({ entitlementId: null }), member("u"))).toMatchObject({ ok: false, code: "no_plan" });
});

test("a tenant over its licence gets no new assignments, even with a number that looks free", () => {
  expect(decideAssign(state({ capacity: 1, seated: ["a", "b"] }), member("u"))).toMatchObject({ ok: false, code: "over_limit" });
  expect(decideAssign(state({ compliance: "over_limit" }), member("u"))).toMatchObject({ ok: false, code: "over_limit" });
});

test("approving activates a pending member with a seat, or leaves them pending with a 409", () => {
  expect(decideAssign(state(), member("u", "pending"), { approve: true })).toMatchObject({ ok: true, action: "assign", activate: true });
  expect(decideAssign(state({ seated: ["a", "b", "c"] }), member("u", "pending"), { approve: true })).toMatchObject({
    code: "no_seats_available",
  });
  expect(decideAssign(state(), member("u", "active"), { approve: true })).toMatchObject({ code: "not_pending" });
});

test("release frees the seat and restores compliance once within the licence", () => {
  const byAdmin = { actorRole: "admin" as const };
  expect(decideRelease(state({ capacity: 1, seated: ["a", "b"], compliance: "over_limit" }), member("a"), byAdmin)).toMatchObject({
    ok: true,
    compliance: "ok",
    after: { seatsUsed: 1 },
  });
  expect(decideRelease(state({ capacity: 1, seated: ["a", "b", "c"] }), member("a"), byAdmin)).toMatchObject({ compliance: "over_limit" });
  expect(decideRelease(state(), member("nobody"), byAdmin)).toMatchObject({ ok: false, code: "no_seat", status: 404 });
  expect(decideRelease(state(), null, byAdmin)).toMatchObject({ ok: false, code: "not_a_member" });
});

test("only an owner releases an owner's seat, as with removing one", () => {
  const owner = member("u_owner", "active", "owner");
  expect(decideRelease(state(), owner, { actorRole: "admin" })).toEqual({
    ok: false,
    code: "owners_only",
    status: 403,
    message: "Only an owner can release an owner's seat.",
  });
  expect(decideRelease(state(), owner, { actorRole: "member" })).toMatchObject({ ok: false, code: "owners_only" });
  expect(decideRelease(state(), owner, { actorRole: "owner" })).toMatchObject({ ok: true, action: "release", after: { seatsUsed: 0 } });
  // Admins still release admins' and members' seats.
  const seated = state({ seated: ["u_owner", "u_admin", "u_member"] });
  expect(decideRelease(seated, member("u_admin", "active", "admin"), { actorRole: "admin" })).toMatchObject({ ok: true });
  expect(decideRelease(seated, member("u_member"), { actorRole: "admin" })).toMatchObject({ ok: true });
});

test("capacity cannot drop below assigned seats, and bad numbers are refused", () => {
  expect(decideCapacity(state({ seated: ["a", "b", "c"] }), 1)).toMatchObject({
    ok: false,
    code: "seats_in_use",
    details: { releaseFirst: 2 },
  });
  expect(decideCapacity(state(), -1)).toMatchObject({ ok: false, status: 422 });
  expect(decideCapacity(state(), 1.5)).toMatchObject({ ok: false, status: 422 });
  expect(decideCapacity(state(), 1e9)).toMatchObject({ ok: false, status: 422 });
  expect(decideCapacity(state(), 3)).toEqual({ ok: true, action: "none" });
  expect(decideCapacity(state(), 5)).toMatchObject({ ok: true, action: "set", after: { capacity: 5 } });
});

test("compliance compares observed with licensed seats", () => {
  expect(complianceFor({ licensed: 3, observed: 3 })).toBe("ok");
  expect(complianceFor({ licensed: 3, observed: 4 })).toBe("over_limit");
});

test("the last owner can be neither demoted nor removed; admins cannot touch owners", () => {
  const owner = member("o", "active", "owner");
  expect(decideRoleChange({ actorRole: "owner", target: owner, to: "admin", activeOwners: 1 })).toMatchObject({ code: "last_owner" });
  expect(decideRoleChange({ actorRole: "owner", target: owner, to: "admin", activeOwners: 2 })).toEqual({ ok: true, action: "set" });
  expect(decideRoleChange({ actorRole: "admin", target: owner, to: "member", activeOwners: 2 })).toMatchObject({ code: "owners_only" });
  expect(decideRoleChange({ actorRole: "admin", target: member("m"), to: "owner", activeOwners: 1 })).toMatchObject({
    code: "owners_only",
  });
  expect(decideRoleChange({ actorRole: "admin", target: member("m"), to: "admin", activeOwners: 1 })).toEqual({ ok: true, action: "set" });
  expect(decideRemoval({ actorRole: "owner", target: owner, activeOwners: 1, seated: true })).toMatchObject({ code: "last_owner" });
  expect(decideRemoval({ actorRole: "admin", target: owner, activeOwners: 2, seated: true })).toMatchObject({ code: "owners_only" });
  expect(decideRemoval({ actorRole: "admin", target: member("m"), activeOwners: 1, seated: true })).toEqual({
    ok: true,
    releaseSeat: true,
  });
});

const PRICES: TierPrice[] = [
  { id: "pro_m", interval: "month", minSeats: 1, maxSeats: 20, unitAmount: 3500, tier: "PRO" },
  { id: "max_m", interval: "month", minSeats: 21, maxSeats: 50, unitAmount: 3000, tier: "MAX" },
  { id: "ultra_m", interval: "month", minSeats: 51, maxSeats: 100, unitAmount: 2500, tier: "ULTRA" },
  { id: "pro_y", interval: "year", minSeats: 1, maxSeats: 20, unitAmount: 35000, tier: "PRO" },
];
const current = { quantity: 5, priceId: "pro_m", interval: "month" as const };

test("buying seats inside a tier keeps the price and is invoiced now", () => {
  expect(decideQuantityChange({ current, requested: 8, assigned: 3, prices: PRICES })).toMatchObject({
    ok: true,
    action: "change",
    priceId: "pro_m",
    switchesTier: false,
    proration: "always_invoice",
    after: { quantity: 8 },
  });
});

test("crossing a tier boundary switches to that tier's price, up and down", () => {
  expect(decideQuantityChange({ current, requested: 21, assigned: 3, prices: PRICES })).toMatchObject({
    priceId: "max_m",
    tier: "MAX",
    switchesTier: true,
  });
  expect(
    decideQuantityChange({ current: { quantity: 60, priceId: "ultra_m", interval: "month" }, requested: 20, assigned: 3, prices: PRICES }),
  ).toMatchObject({
    priceId: "pro_m",
    proration: "create_prorations",
  });
});

test("reducing below the assigned seats names how many to release", () => {
  expect(decideQuantityChange({ current, requested: 2, assigned: 4, prices: PRICES })).toMatchObject({
    ok: false,
    code: "seats_in_use",
    message: "4 seats are assigned: release 2 seats before going down to 2.",
  });
});

test("quantities outside the tiers, fractions and no-ops", () => {
  for (const q of [0, -3, 101, 1e12, 2.5, Number.NaN]) {
    expect(decideQuantityChange({ current, requested: q, assigned: 1, prices: PRICES })).toMatchObject({ ok: false, status: 422 });
  }
  expect(
    decideQuantityChange({ current: { quantity: 5, priceId: "pro_y", interval: "year" }, requested: 21, assigned: 1, prices: PRICES }),
  ).toMatchObject({ ok: false, status: 422 });
  expect(decideQuantityChange({ current, requested: 5, assigned: 1, prices: PRICES })).toEqual({ ok: true, action: "none" });
});

test("owners and admins manage a tenant; members and non-members do not", () => {
  expect([...MANAGER_ROLES].sort()).toEqual(["admin", "owner"]);
  expect(canManage("owner") && canManage("admin")).toBe(true);
  expect(canManage("member") || canManage(null) || canManage(undefined)).toBe(false);
});

test("a seat-change quote is confirmed within the hour it was made, never from the future", () => {
  const now = 1_800_000_000_000;
  expect(checkQuoteTime({ prorationDate: now, now })).toEqual({ ok: true });
  expect(checkQuoteTime({ prorationDate: now - QUOTE_TTL_MS, now })).toEqual({ ok: true });
  expect(checkQuoteTime({ prorationDate: now + 30_000, now })).toEqual({ ok: true });
  expect(checkQuoteTime({ prorationDate: now - QUOTE_TTL_MS - 1, now })).toMatchObject({ ok: false, code: "quote_expired", status: 409 });
  expect(checkQuoteTime({ prorationDate: now + 3_600_000, now })).toMatchObject({ ok: false, code: "invalid_quote", status: 422 });
  expect(checkQuoteTime({ prorationDate: 0, now })).toMatchObject({ ok: false, status: 409 });
});

test("organisation-level actions need a manager role and, for the plan's features, a live plan; never a seat", () => {
  const plan = { live: true, refusal: "Needs the plan." };
  expect(decideOrgAction({ role: "owner", plan })).toEqual({ ok: true });
  expect(decideOrgAction({ role: "admin" })).toEqual({ ok: true });
  expect(decideOrgAction({ role: "member", plan })).toMatchObject({ ok: false, status: 403, code: "no_access" });
  expect(decideOrgAction({ role: null, plan })).toMatchObject({ ok: false, status: 404 });
  expect(decideOrgAction({ role: "owner", plan: { ...plan, live: false } })).toMatchObject({
    ok: false,
    status: 403,
    message: "Needs the plan.",
  });
});
