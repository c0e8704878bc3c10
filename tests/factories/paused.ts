import { expect } from "vitest";
import { control, deliverAll, eventsFor, intentRow, PRICE, startCheckout, stripe, tenantState } from "./billing";
import { signedInAgent } from "./http";

// The Accelerator's 30-day Organization trial pauses when it ends without a payment method (ADR 016).

/** An Accelerator purchase on a test clock whose bundled trial has no payment method; `seen` is every event so far, delivered. */
export async function trialWithoutCard(name: string) {
  const buyer = await signedInAgent();
  const { intentId, url, customerId } = await startCheckout(buyer.agent, { priceId: PRICE.accelerator, organizationName: name });
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await control.attachClock(customerId, clock.id);
  expect((await control.pay(url, "pay")).status).toBe(303);
  // In order: provisioning starts the trial, whose own events follow.
  await deliverAll((await eventsFor(customerId)).map((e) => e.id));
  const tenantId = (await intentRow(intentId))!.provisioned_tenant_id as string;
  const subId = (await tenantState(tenantId)).subscriptions[0]!.stripe_subscription_id as string;
  expect((await stripe().subscriptions.retrieve(subId)).trial_settings?.end_behavior.missing_payment_method).toBe("pause");
  // The buyer removes the card before the trial ends.
  await stripe().subscriptions.update(subId, { default_payment_method: "" });
  const seen = await eventsFor(customerId);
  await deliverAll(seen.map((e) => e.id));
  return { ...buyer, intentId, customerId, clock, tenantId, subId, seen };
}

/** Moves the trial's clock past its end; returns the events that caused (not delivered). */
export async function endTrial(t: Awaited<ReturnType<typeof trialWithoutCard>>) {
  await stripe().testHelpers.testClocks.advance(t.clock.id, { frozen_time: t.clock.frozen_time + 31 * 86_400 });
  return eventsFor(
    t.customerId,
    t.seen.map((e) => e.id),
  );
}
