import { type SubscriptionSnapshot } from "../billing/types";

export type EntitlementStatus = "active" | "trialing" | "past_due" | "paused" | "canceled" | "expired" | "revoked";

/**
 * The entitlement a Stripe subscription implies. unpaid, canceled, incomplete_expired and the
 * not-yet-paid states end access; past_due keeps it until the grace period ends. paused (a trial
 * that ended without a payment method) ends access too, but stays its own state: the subscription
 * resumes once the customer adds a payment method, and nothing of the tenant is removed meanwhile.
 */
export function entitlementStatusFor(status: SubscriptionSnapshot["status"]): EntitlementStatus {
  switch (status) {
    case "active":
      return "active";
    case "trialing":
      return "trialing";
    case "past_due":
      return "past_due";
    case "paused":
      return "paused";
    case "canceled":
    case "unpaid":
    case "incomplete":
    case "incomplete_expired":
      return "canceled";
    default: {
      // A status added to SubscriptionStatus must be given its meaning here: this stops compiling until it is.
      const unhandled: never = status;
      throw new Error(`Unknown subscription status: ${String(unhandled)}`);
    }
  }
}

/**
 * Grace for a past-due subscription runs from the first failed payment we learned of. Taking the
 * minimum over events makes the result independent of delivery order.
 */
export function graceUntilFor(opts: {
  status: EntitlementStatus;
  existing: number | null;
  eventCreated: number;
  graceDays: number;
}): number | null {
  if (opts.status !== "past_due") return null;
  const candidate = opts.eventCreated + opts.graceDays * 24 * 60 * 60 * 1000;
  return opts.existing === null ? candidate : Math.min(opts.existing, candidate);
}

/** Access stops at period end once cancellation at period end is scheduled. */
export function validUntilFor(sub: SubscriptionSnapshot, now: number): number | null {
  if (entitlementStatusFor(sub.status) === "canceled") return sub.endedAt ?? sub.canceledAt ?? now;
  if (sub.cancelAtPeriodEnd) return sub.currentPeriodEnd;
  return null;
}
