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
  features: [],
  featureGrants: [],
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

const COURSE = { key: "accelerator.course", kind: "boolean", scope: "user", limit: null } as const;
const PUBLISH = { key: "roadmap.publish", kind: "boolean", scope: "organization", limit: null } as const;
const MAX_ROADMAPS = (limit: number) => ({ key: "roadmaps.max", kind: "limit", scope: "organization", limit }) as const;

test("features follow the entitlements that grant them, and say through which", () => {
  const access = decide([
    row({ entitlementId: "ent_acc", productKey: "accelerator", seatBased: false, hasSeat: false, features: [COURSE] }),
  ]);
  expect(access.features["accelerator.course"]).toEqual({
    granted: true,
    limit: null,
    via: {
      entitlementId: "ent_acc",
      tenantId: "ten_a",
      tenantSlug: "a",
      productKey: "accelerator",
      source: "stripe_subscription",
      grantId: null,
    },
    reason: null,
  });
  // A feature no entitlement names is absent: not granted.
  expect(access.features["roadmap.publish"]).toBeUndefined();
});

test("a user feature of a seat-based product needs a seat; an organisation feature needs an owner or admin, not a seat", () => {
  const member = decide([row({ role: "member", hasSeat: true, features: [COURSE, PUBLISH] })]);
  expect(member.features["accelerator.course"]!.granted).toBe(true);
  expect(member.features["roadmap.publish"]).toMatchObject({ granted: false, reason: "needs_manager" });
  const seatlessOwner = decide([row({ role: "owner", hasSeat: false, features: [COURSE, PUBLISH] })]);
  expect(seatlessOwner.features["accelerator.course"]).toMatchObject({ granted: false, reason: "needs_seat" });
  expect(seatlessOwner.features["roadmap.publish"]).toMatchObject({ granted: true, reason: null });
});

test("an entitlement that is not live grants no feature, to owners neither; another live one still does", () => {
  const ended = row({ role: "owner", status: "canceled", features: [PUBLISH] });
  expect(decide([ended]).features["roadmap.publish"]).toMatchObject({ granted: false, reason: "not_live" });
  const live = row({ entitlementId: "ent_2", tenantId: "ten_b", tenantSlug: "b", role: "admin", features: [PUBLISH] });
  expect(decide([ended, live]).features["roadmap.publish"]).toMatchObject({
    granted: true,
    via: { entitlementId: "ent_2", tenantSlug: "b" },
  });
  // The closest miss is reported: a role is nearer than an ended plan.
  const notManager = row({ entitlementId: "ent_3", role: "member", features: [PUBLISH] });
  expect(decide([ended, notManager]).features["roadmap.publish"]!.reason).toBe("needs_manager");
});

test("a limit feature holds the largest limit among the live entitlements that grant it", () => {
  const a = row({ role: "owner", features: [MAX_ROADMAPS(3)] });
  const b = row({ entitlementId: "ent_2", role: "owner", features: [MAX_ROADMAPS(10)] });
  const ended = row({ entitlementId: "ent_3", role: "owner", status: "expired", features: [MAX_ROADMAPS(50)] });
  expect(decide([a, b, ended]).features["roadmaps.max"]).toMatchObject({ granted: true, limit: 10 });
  expect(decide([ended]).features["roadmaps.max"]).toMatchObject({ granted: false, limit: null });
});

test("system admins hold every feature an entitlement names, through no entitlement of theirs", () => {
  const access = decide([row({ role: "member", hasSeat: false, features: [COURSE, PUBLISH] })], true);
  expect(access.features["roadmap.publish"]).toMatchObject({ granted: true, via: "system_admin" });
  expect(access.features["accelerator.course"]).toMatchObject({ granted: true, via: "system_admin" });
});

test("a single-feature grant gives its feature to the tenant's members while it lasts, and never a second time for its repeated rows", () => {
  const grant = { ...MAX_ROADMAPS(7), grantId: "fgr_1", status: "active", validFrom: NOW - DAY, validUntil: NOW + DAY };
  const rows = [row({ role: "owner", featureGrants: [grant] }), row({ entitlementId: "ent_2", role: "owner", featureGrants: [grant] })];
  expect(decide(rows).features["roadmaps.max"]).toMatchObject({
    granted: true,
    limit: 7,
    via: { source: "feature_grant", grantId: "fgr_1" },
  });
  const ended = { ...grant, validUntil: NOW };
  expect(decide([row({ role: "owner", featureGrants: [ended] })]).features["roadmaps.max"]).toMatchObject({
    granted: false,
    reason: "not_live",
  });
  // A user feature from a grant needs no seat; an organisation one still needs a manager.
  const course = { ...COURSE, grantId: "fgr_2", status: "active", validFrom: NOW - DAY, validUntil: NOW + DAY };
  const seatless = row({ role: "member", hasSeat: false, featureGrants: [course, { ...grant, grantId: "fgr_3" }] });
  expect(decide([seatless]).features["accelerator.course"]!.granted).toBe(true);
  expect(decide([seatless]).features["roadmaps.max"]!.reason).toBe("needs_manager");
});

test("the kill switch and a paused plan close features too; the closest miss is named", () => {
  const rows = [row({ role: "owner", features: [COURSE, PUBLISH] })];
  const off = decideAccess(rows, { now: NOW, isSystemAdmin: false, switchedOff: true });
  expect(off.features["roadmap.publish"]).toMatchObject({ granted: false, reason: "switched_off" });
  expect(decideAccess(rows, { now: NOW, isSystemAdmin: true, switchedOff: true }).features["roadmap.publish"]!.granted).toBe(true);
  const paused = decide([row({ role: "owner", status: PAUSED_STATUS, features: [PUBLISH] })]);
  expect(paused.features["roadmap.publish"]).toMatchObject({ granted: false, reason: "paused" });
});
