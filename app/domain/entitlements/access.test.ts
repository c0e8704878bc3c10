import { expect, test } from "vitest";
import { type AccessRow, decideAccess } from "./access";
import { isLive, PAUSED_STATUS } from "./live";

const NOW = 1_000_000_000_000;
const DAY = 86_400_000;
const row = (over: Partial<AccessRow>): AccessRow => ({
  tenantId: "ten_a",
  tenantName: "A",
  tenantSlug: "a",
  role: "member",
  entitlementId: "ent_1",
  productKey: "organization",
  seatBased: true,
  status: "active",
  source: "stripe_subscription",
  sourceRef: "sub_1",
  quantitySeats: 5,
  validFrom: NOW - DAY,
  validUntil: null,
  graceUntil: null,
  hasSeat: true,
  ...over,
});
const decide = (rows: AccessRow[], isSystemAdmin = false) => decideAccess(rows, { now: NOW, isSystemAdmin });

test("an active or trialing entitlement with a seat grants access", () => {
  expect(decide([row({})]).organization).toMatchObject({ granted: true, via: "entitlement" });
  expect(decide([row({ status: "trialing" })]).organization.granted).toBe(true);
});

test("a seat-based entitlement without a seat does not, and says so", () => {
  expect(decide([row({ hasSeat: false })]).organization).toMatchObject({ granted: false, reason: "needs_seat" });
});

test("a one-time product needs no seat", () => {
  expect(decide([row({ productKey: "accelerator", seatBased: false, hasSeat: false })]).accelerator.granted).toBe(true);
});

test("past due keeps access only inside the grace period", () => {
  expect(decide([row({ status: "past_due", graceUntil: NOW + 1 })]).organization.granted).toBe(true);
  expect(decide([row({ status: "past_due", graceUntil: NOW })]).organization.granted).toBe(false);
  expect(decide([row({ status: "past_due", graceUntil: null })]).organization.granted).toBe(false);
});

test("paused, canceled, expired and revoked end access; so do the validity dates", () => {
  for (const status of ["canceled", "expired", "revoked"]) {
    expect(decide([row({ status })]).organization).toMatchObject({ granted: false, reason: "not_live" });
  }
  // Paused says so: the fix (a payment method) differs from a plan that ended.
  expect(decide([row({ status: "paused" })]).organization).toMatchObject({ granted: false, reason: "paused" });
  expect(decide([row({ entitlementId: "ent_old", status: "canceled" }), row({ status: "paused" })]).organization.reason).toBe("paused");
  expect(decide([row({ validUntil: NOW })]).organization.granted).toBe(false);
  expect(decide([row({ validUntil: NOW + 1 })]).organization.granted).toBe(true);
  expect(decide([row({ validFrom: NOW + 1 })]).organization.granted).toBe(false);
});

test("one granting entitlement among dead ones is enough", () => {
  const access = decide([row({ entitlementId: "ent_old", status: "canceled" }), row({ entitlementId: "ent_new" })]);
  expect(access.organization.entitlement?.entitlementId).toBe("ent_new");
});

test("no membership rows means no access, except for system admins", () => {
  expect(decide([]).organization).toMatchObject({ granted: false, reason: "no_entitlement" });
  expect(decide([row({ entitlementId: null, productKey: null })]).accelerator.reason).toBe("no_entitlement");
  expect(decide([], true).accelerator).toMatchObject({ granted: true, via: "system_admin" });
});

test("isLive looks only at the entitlement, not the seat", () => {
  expect(isLive({ status: "active", validFrom: null, validUntil: null, graceUntil: null }, NOW)).toBe(true);
  expect(isLive({ status: "trialing", validFrom: null, validUntil: NOW - 1, graceUntil: null }, NOW)).toBe(false);
});

test("a paused entitlement is not live, whatever its dates and grace", () => {
  expect(isLive({ status: PAUSED_STATUS, validFrom: null, validUntil: null, graceUntil: null }, NOW)).toBe(false);
  expect(isLive({ status: PAUSED_STATUS, validFrom: NOW - 1, validUntil: NOW + 1, graceUntil: NOW + 1 }, NOW)).toBe(false);
});

test("the kill switch closes every entitlement to everyone but system admins, and says so", () => {
  const rows = [row({}), row({ entitlementId: "ent_acc", productKey: "accelerator", seatBased: false, hasSeat: false })];
  const off = decideAccess(rows, { now: NOW, isSystemAdmin: false, switchedOff: true });
  expect(off.switchedOff).toBe(true);
  expect(off.organization).toMatchObject({ granted: false, reason: "switched_off" });
  expect(off.accelerator).toMatchObject({ granted: false, reason: "switched_off" });
  expect(off.entitlements.every((e) => !e.grantsUser && e.live)).toBe(true);
  expect(decideAccess([], { now: NOW, isSystemAdmin: false, switchedOff: true }).organization.reason).toBe("switched_off");
  const admin = decideAccess(rows, { now: NOW, isSystemAdmin: true, switchedOff: true });
  expect(admin).toMatchObject({ switchedOff: false, organization: { granted: true }, accelerator: { granted: true } });
  expect(decideAccess(rows, { now: NOW, isSystemAdmin: false }).organization.granted).toBe(true);
});
