import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { deliverAll, eventsFor, expectOrderIndependent, stripe, tenantState } from "../factories/billing";
import { endTrial, trialWithoutCard } from "../factories/paused";

// The Accelerator's 30-day Organization trial is created with trial_settings.end_behavior
// .missing_payment_method "pause": ending without a payment method, Stripe pauses the subscription.
// Paused is its own state: Organization access ends, nothing is removed, and resuming brings it back.

async function addCardAndResume(customerId: string, subId: string) {
  const pm = await stripe().paymentMethods.attach("pm_card_visa", { customer: customerId });
  await stripe().customers.update(customerId, { invoice_settings: { default_payment_method: pm.id } });
  return stripe().subscriptions.resume(subId);
}

const org = (state: Awaited<ReturnType<typeof tenantState>>) => state.entitlements.find((e) => e.product_id === "prd_organization")!;
const acc = (state: Awaited<ReturnType<typeof tenantState>>) => state.entitlements.find((e) => e.product_id === "prd_accelerator")!;

test("a trial ending without a payment method pauses Organization: access ends, nothing is removed, the dashboard says how to resume", async () => {
  const t = await trialWithoutCard("Paused Trial Co");
  const before = await tenantState(t.tenantId);
  expect(org(before).status).toBe("trialing");

  const trialEnd = await endTrial(t);
  expect(trialEnd.map((e) => e.type)).toEqual(expect.arrayContaining(["customer.subscription.updated", "customer.subscription.paused"]));
  expect(trialEnd.map((e) => e.type)).not.toContain("invoice.created");
  expect((await deliverAll(trialEnd.map((e) => e.id))).every((s) => s === 200)).toBe(true);

  const state = await tenantState(t.tenantId);
  expect(org(state)).toMatchObject({ status: "paused", has_end: 0, grace_until: null });
  expect(acc(state).status).toBe("active");
  expect(state.subscriptions).toEqual([expect.objectContaining({ status: "paused" })]);
  // Nothing removed: the same members, the same seats.
  expect(state.memberships).toEqual(before.memberships);
  expect(state.seats).toEqual(before.seats);
  const audit = await env.DB.prepare(
    "SELECT after FROM audit_log WHERE tenant_id = ? AND action = 'entitlement.updated' ORDER BY id DESC LIMIT 1",
  )
    .bind(t.tenantId)
    .first<{ after: string }>();
  expect(JSON.parse(audit!.after)).toMatchObject({ status: "paused", stripeStatus: "paused" });

  const me = (await (await t.agent.fetch("/api/me")).json()) as { access: { organization: boolean; accelerator: boolean } };
  expect(me.access).toMatchObject({ organization: false, accelerator: true });
  // The features say why too: the paused plan's are closed for that reason, the Accelerator's stay.
  expect(me.access).toMatchObject({
    features: { "software.download": { granted: false, reason: "paused" }, "accelerator.course": { granted: true } },
  });
  const page = await (await t.agent.fetch("/dashboard")).text();
  expect(page).toContain("Paused: add a payment method to resume");
  expect(page).toContain(`action="/org/${(await tenantState(t.tenantId)).tenant[0]!.slug as string}/billing-portal"`);
  expect(page).toContain("Add a payment method");
  expect(page).toContain("plan is paused until a payment method is added");
});

test("resuming a paused trial after adding a card makes Organization live again", async () => {
  const t = await trialWithoutCard("Resumed Trial Co");
  await deliverAll((await endTrial(t)).map((e) => e.id));
  expect(org(await tenantState(t.tenantId)).status).toBe("paused");
  const seen = await eventsFor(t.customerId);

  expect((await addCardAndResume(t.customerId, t.subId)).status).toBe("active");
  const resume = await eventsFor(
    t.customerId,
    seen.map((e) => e.id),
  );
  expect(resume.map((e) => e.type)).toEqual(expect.arrayContaining(["customer.subscription.resumed", "customer.subscription.updated"]));
  expect((await deliverAll(resume.map((e) => e.id))).every((s) => s === 200)).toBe(true);
  const state = await tenantState(t.tenantId);
  expect(org(state)).toMatchObject({ status: "active", grace_until: null });
  const me = (await (await t.agent.fetch("/api/me")).json()) as { access: { organization: boolean } };
  expect(me.access.organization).toBe(true);
  expect(await (await t.agent.fetch("/dashboard")).text()).not.toContain("Paused: add a payment method to resume");
});

test("customer.subscription.paused and .resumed are acted on alone (their updated event lost), each delivery once", async () => {
  const t = await trialWithoutCard("Lone Events Co");
  const paused = (await endTrial(t)).find((e) => e.type === "customer.subscription.paused")!;
  expect(await deliverAll([paused.id, paused.id])).toEqual([200, 200]);
  expect(org(await tenantState(t.tenantId)).status).toBe("paused");
  const seen = await eventsFor(t.customerId);
  await addCardAndResume(t.customerId, t.subId);
  const resumed = (
    await eventsFor(
      t.customerId,
      seen.map((e) => e.id),
    )
  ).find((e) => e.type === "customer.subscription.resumed")!;
  expect(await deliverAll([resumed.id])).toEqual([200]);
  expect(org(await tenantState(t.tenantId)).status).toBe("active");
  const recorded = await env.DB.prepare("SELECT event_id, status FROM processed_webhook_events WHERE event_id IN (?, ?)")
    .bind(paused.id, resumed.id)
    .all<{ event_id: string; status: string }>();
  expect(Object.fromEntries(recorded.results.map((r) => [r.event_id, r.status]))).toEqual({
    [paused.id]: "processed",
    [resumed.id]: "processed",
  });
});

test("every delivery order of a trial's pause ends paused, and duplicates change nothing", async () => {
  const t = await trialWithoutCard("Order Pause Co");
  const events = await endTrial(t);
  await deliverAll(events.map((e) => e.id));
  const reference = await tenantState(t.tenantId);
  expect(org(reference).status).toBe("paused");
  const acted = events.filter((e) => e.type.startsWith("customer.subscription."));
  expect(acted.map((e) => e.type)).toEqual(expect.arrayContaining(["customer.subscription.paused"]));
  const orders = await expectOrderIndependent({
    intentId: t.intentId,
    tenantId: t.tenantId,
    userId: t.user.id,
    customerId: t.customerId,
    prefix: t.seen,
    events,
    reference,
  });
  expect(orders).toBeGreaterThanOrEqual(2);
}, 240_000);

test("every delivery order of a resume ends active, and duplicates change nothing", async () => {
  const t = await trialWithoutCard("Order Resume Co");
  const pause = await endTrial(t);
  await deliverAll(pause.map((e) => e.id));
  const prefix = await eventsFor(t.customerId);
  await addCardAndResume(t.customerId, t.subId);
  const events = await eventsFor(
    t.customerId,
    prefix.map((e) => e.id),
  );
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["customer.subscription.resumed", "invoice.paid"]));
  await deliverAll(events.map((e) => e.id));
  const reference = await tenantState(t.tenantId);
  expect(org(reference).status).toBe("active");
  const orders = await expectOrderIndependent({
    intentId: t.intentId,
    tenantId: t.tenantId,
    userId: t.user.id,
    customerId: t.customerId,
    prefix,
    events,
    reference,
  });
  expect(orders).toBeGreaterThanOrEqual(2);
}, 240_000);
