import { expect, test } from "vitest";
import { type SubscriptionSnapshot } from "../billing/types";
import { entitlementStatusFor, graceUntilFor, validUntilFor } from "./from-subscription";

const DAY = 24 * 60 * 60 * 1000;
const sub = (over: Partial<SubscriptionSnapshot>): SubscriptionSnapshot => ({
  id: "sub_1",
  customerId: "cus_1",
  status: "active",
  quantity: 5,
  priceId: "price_1",
  items: [{ id: "si_1", priceId: "price_1", quantity: 5 }],
  currentPeriodStart: 0,
  currentPeriodEnd: 30 * DAY,
  cancelAtPeriodEnd: false,
  trialEnd: null,
  canceledAt: null,
  endedAt: null,
  metadata: {},
  ...over,
});

test("Stripe statuses map to access statuses", () => {
  expect(entitlementStatusFor("active")).toBe("active");
  expect(entitlementStatusFor("trialing")).toBe("trialing");
  expect(entitlementStatusFor("past_due")).toBe("past_due");
  expect(entitlementStatusFor("paused")).toBe("paused");
  for (const s of ["canceled", "unpaid", "incomplete_expired", "incomplete"] as const) {
    expect(entitlementStatusFor(s)).toBe("canceled");
  }
});

test("grace starts at the earliest failed payment seen, whatever the order", () => {
  const a = graceUntilFor({ status: "past_due", existing: null, eventCreated: 10 * DAY, graceDays: 7 });
  const b = graceUntilFor({ status: "past_due", existing: a, eventCreated: 5 * DAY, graceDays: 7 });
  const c = graceUntilFor({ status: "past_due", existing: null, eventCreated: 5 * DAY, graceDays: 7 });
  const d = graceUntilFor({ status: "past_due", existing: c, eventCreated: 10 * DAY, graceDays: 7 });
  expect(b).toBe(12 * DAY);
  expect(d).toBe(b);
  expect(graceUntilFor({ status: "active", existing: b, eventCreated: 11 * DAY, graceDays: 7 })).toBeNull();
});

test("access ends at period end when cancellation is scheduled, and at the end when canceled", () => {
  expect(validUntilFor(sub({}), 1)).toBeNull();
  expect(validUntilFor(sub({ cancelAtPeriodEnd: true }), 1)).toBe(30 * DAY);
  expect(validUntilFor(sub({ status: "canceled", endedAt: 3 * DAY }), 1)).toBe(3 * DAY);
  expect(validUntilFor(sub({ status: "unpaid" }), 42)).toBe(42);
});

test("a paused subscription keeps no end date: access ends by its status, and resuming needs nothing undone", () => {
  expect(validUntilFor(sub({ status: "paused", trialEnd: 30 * DAY }), 31 * DAY)).toBeNull();
  expect(graceUntilFor({ status: "paused", existing: 12 * DAY, eventCreated: 31 * DAY, graceDays: 7 })).toBeNull();
});
