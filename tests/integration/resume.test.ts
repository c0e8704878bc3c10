import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { control, deliver, deliverAll, eventsFor, stripe, tenantState } from "../factories/billing";
import { type Agent, form } from "../factories/http";
import { endTrial, trialWithoutCard } from "../factories/paused";
import { addMember } from "../factories/tenants";

// Adding a card in Stripe's billing portal does not resume a paused subscription; the app does, pay
// first, on the customer.updated that makes the card the customer's default, or from the dashboard's
// "Resume subscription". Access comes back only with Stripe's own events for the resumed subscription.

type Trial = Awaited<ReturnType<typeof trialWithoutCard>>;

const orgStatus = async (tenantId: string) =>
  (await tenantState(tenantId)).entitlements.find((e) => e.product_id === "prd_organization")!.status;

const hasOrganization = async (a: Agent) =>
  ((await (await a.fetch("/api/me")).json()) as { access: { organization: boolean } }).access.organization;

/** The dashboard's "Resume subscription" button for the tenant `slug`. */
const resumeFromDashboard = (a: Agent, slug: string) => a.fetch("/dashboard", form({ intent: "resume-subscription", slug }));

const slugOf = async (tenantId: string) => (await tenantState(tenantId)).tenant[0]!.slug as string;

/** A trial that ended without a card, its pause delivered: Organization is off. */
async function pausedTrial(name: string) {
  const t = await trialWithoutCard(name);
  await deliverAll((await endTrial(t)).map((e) => e.id));
  expect(await orgStatus(t.tenantId)).toBe("paused");
  return { ...t, seen: await eventsFor(t.customerId) };
}

/** The owner opens the billing portal from the dashboard and adds a card there; returns the events that caused. */
async function addCardInPortal(t: Trial, seen: { id: string }[]) {
  const res = await t.agent.fetch(`/org/${await slugOf(t.tenantId)}/billing-portal`, { method: "POST" });
  expect(res.status).toBe(303);
  expect((await control.portal(res.headers.get("location")!, { action: "add_payment_method" })).status).toBe(303);
  return eventsFor(
    t.customerId,
    seen.map((e) => e.id),
  );
}

const resumptionInvoices = async (subId: string) =>
  (await stripe().invoices.list({ subscription: subId, limit: 100 })).data.filter((i) => i.billing_reason === "subscription_update");

const paidCharges = async (customerId: string) =>
  (await stripe().charges.list({ customer: customerId, limit: 100 })).data.filter((c) => c.status === "succeeded").length;

const resumeAudits = (tenantId: string) =>
  env.DB.prepare(
    "SELECT actor_type, actor_id, target_id, before, after, reason FROM audit_log WHERE tenant_id = ? AND action = 'subscription.resume_requested' ORDER BY id",
  )
    .bind(tenantId)
    .all<{ actor_type: string; actor_id: string; target_id: string; before: string; after: string; reason: string }>()
    .then((r) => r.results);

test("a card added in the billing portal resumes the paused trial: customer.updated, a paid resumption invoice, then access from Stripe's events", async () => {
  const t = await pausedTrial("Portal Resume Co");
  const chargesBefore = await paidCharges(t.customerId);
  const card = await addCardInPortal(t, t.seen);
  expect(card.map((e) => e.type)).toEqual([
    "setup_intent.created",
    "payment_method.attached",
    "setup_intent.succeeded",
    "customer.updated",
  ]);
  const updated = card.find((e) => e.type === "customer.updated")!;

  expect(await deliverAll([updated.id])).toEqual([200]);
  // Stripe resumed it (pay first: the invoice is paid, with the new card)...
  const sub = await stripe().subscriptions.retrieve(t.subId, { expand: ["latest_invoice"] });
  expect(sub.status).toBe("active");
  const [pm] = (await stripe().customers.listPaymentMethods(t.customerId)).data;
  expect(sub.latest_invoice).toMatchObject({ status: "paid", billing_reason: "subscription_update" });
  expect(await paidCharges(t.customerId)).toBe(chargesBefore + 1);
  // ...but access waits for Stripe's own events about it.
  expect(await orgStatus(t.tenantId)).toBe("paused");
  expect(await hasOrganization(t.agent)).toBe(false);
  const [audit] = await resumeAudits(t.tenantId);
  expect(audit).toMatchObject({ actor_type: "stripe_event", actor_id: updated.id, target_id: t.subId });
  expect(JSON.parse(audit!.after)).toEqual({ result: "resumed", stripeStatus: "active", paymentMethodId: pm!.id });

  const resumed = await eventsFor(
    t.customerId,
    [...t.seen, ...card].map((e) => e.id),
  );
  expect(resumed.map((e) => e.type)).toEqual(
    expect.arrayContaining(["invoice.paid", "customer.subscription.updated", "customer.subscription.resumed"]),
  );
  expect((await deliverAll(resumed.map((e) => e.id))).every((s) => s === 200)).toBe(true);
  expect(await orgStatus(t.tenantId)).toBe("active");
  expect(await hasOrganization(t.agent)).toBe(true);
  expect(await (await t.agent.fetch("/dashboard")).text()).not.toContain("Paused: add a payment method to resume");
});

test("the card's events delivered twice, concurrently and out of order, even before the pause itself: one resume, one charge", async () => {
  const t = await trialWithoutCard("Twice Resume Co");
  // The trial ends and the card is added before any of the pause's events reach the app.
  const pause = await endTrial(t);
  const card = await addCardInPortal(t, [...t.seen, ...pause]);
  const updated = card.find((e) => e.type === "customer.updated")!;
  const chargesBefore = await paidCharges(t.customerId);

  const statuses = await Promise.all([deliver(updated.id), deliver(updated.id), deliver(updated.id)]);
  expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
  expect(await deliverAll([...card].reverse().map((e) => e.id))).toEqual([200, 200, 200, 200]);
  expect((await stripe().subscriptions.retrieve(t.subId)).status).toBe("active");
  expect(await resumptionInvoices(t.subId)).toHaveLength(1);
  expect(await paidCharges(t.customerId)).toBe(chargesBefore + 1);

  // The pause arrives late and the resume's events in reverse: every handler re-reads Stripe, so active.
  const rest = await eventsFor(
    t.customerId,
    [...t.seen, ...card].map((e) => e.id),
  );
  expect((await deliverAll([...rest].reverse().map((e) => e.id))).every((s) => s === 200)).toBe(true);
  expect(await deliverAll([updated.id])).toEqual([200]);
  expect(await orgStatus(t.tenantId)).toBe("active");
  expect(await resumptionInvoices(t.subId)).toHaveLength(1);
  expect(await paidCharges(t.customerId)).toBe(chargesBefore + 1);
  expect(await resumeAudits(t.tenantId)).toHaveLength(1);
});

test("a declined resumption payment leaves the subscription paused and access off; the next card pays the same invoice", async () => {
  const t = await pausedTrial("Declined Resume Co");
  await control.declineNextPayment(t.customerId);
  const card = await addCardInPortal(t, t.seen);
  expect(await deliverAll(card.map((e) => e.id))).toEqual([200, 200, 200, 200]);
  expect((await stripe().subscriptions.retrieve(t.subId)).status).toBe("paused");
  const [open] = await resumptionInvoices(t.subId);
  expect(open).toMatchObject({ status: "open" });
  const failed = await eventsFor(
    t.customerId,
    [...t.seen, ...card].map((e) => e.id),
  );
  expect(failed.map((e) => e.type)).not.toContain("customer.subscription.resumed");
  expect((await deliverAll(failed.map((e) => e.id))).every((s) => s === 200)).toBe(true);
  expect(await orgStatus(t.tenantId)).toBe("paused");
  expect(await hasOrganization(t.agent)).toBe(false);
  const [audit] = await resumeAudits(t.tenantId);
  expect(JSON.parse(audit!.after)).toMatchObject({ result: "payment_failed", stripeStatus: "paused" });
  expect(audit!.reason).toContain("the payment failed");

  // Another card: the open resumption invoice is paid with it, no second invoice.
  const seen = await eventsFor(t.customerId);
  const second = await addCardInPortal(t, seen);
  expect(await deliverAll(second.map((e) => e.id))).toEqual([200, 200, 200, 200]);
  expect((await stripe().subscriptions.retrieve(t.subId)).status).toBe("active");
  expect((await resumptionInvoices(t.subId)).map((i) => [i.id, i.status])).toEqual([[open!.id, "paid"]]);
  const after = await eventsFor(
    t.customerId,
    [...seen, ...second].map((e) => e.id),
  );
  expect((await deliverAll(after.map((e) => e.id))).every((s) => s === 200)).toBe(true);
  expect(await orgStatus(t.tenantId)).toBe("active");
});

test("Resume subscription: an owner resumes with the card already on file; members get 403; nothing paused is 409", async () => {
  const t = await pausedTrial("Button Resume Co");
  const slug = await slugOf(t.tenantId);
  // A card attached without becoming the default: Stripe would pause anyway, and no customer.updated names it.
  const pm = await stripe().paymentMethods.attach("pm_card_visa", { customer: t.customerId });
  const page = await (await t.agent.fetch("/dashboard")).text();
  expect(page).toContain('value="resume-subscription"');
  expect(page).toContain(`value="${slug}"`);
  expect(page).toContain("Resume subscription");

  const member = await addMember(t.tenantId, { role: "member" });
  const refused = await resumeFromDashboard(member.agent, slug);
  expect(refused.status).toBe(403);
  expect((await stripe().subscriptions.retrieve(t.subId)).status).toBe("paused");
  expect(await (await member.agent.fetch("/dashboard")).text()).not.toContain("Resume subscription");

  const res = await resumeFromDashboard(t.agent, slug);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("Payment received: the subscription is resuming");
  expect((await stripe().subscriptions.retrieve(t.subId)).status).toBe("active");
  expect(
    ((await stripe().customers.retrieve(t.customerId)) as { invoice_settings: { default_payment_method: string } }).invoice_settings
      .default_payment_method,
  ).toBe(pm.id);
  // Access still follows Stripe's events.
  expect(await orgStatus(t.tenantId)).toBe("paused");
  const [audit] = await resumeAudits(t.tenantId);
  expect(audit).toMatchObject({
    actor_type: "user",
    actor_id: t.user.id,
    target_id: t.subId,
    before: JSON.stringify({ status: "paused" }),
  });
  expect(audit!.reason).toContain("dashboard");
  await deliverAll(
    (
      await eventsFor(
        t.customerId,
        t.seen.map((e) => e.id),
      )
    ).map((e) => e.id),
  );
  expect(await orgStatus(t.tenantId)).toBe("active");

  const again = await resumeFromDashboard(t.agent, slug);
  expect(again.status).toBe(409);
  expect(await again.text()).toContain("so there is nothing to resume");
  expect(await resumptionInvoices(t.subId)).toHaveLength(1);
});

test("Resume subscription without a payment method is a 422 saying to add one, and the dashboard offers only the portal", async () => {
  const t = await pausedTrial("No Card Resume Co");
  const slug = await slugOf(t.tenantId);
  // The card the Accelerator was paid with is still attached; remove it, as a customer may in the portal.
  for (const pm of (await stripe().customers.listPaymentMethods(t.customerId)).data) await stripe().paymentMethods.detach(pm.id);
  const page = await (await t.agent.fetch("/dashboard")).text();
  expect(page).toContain("Add a payment method");
  expect(page).not.toContain("Resume subscription");
  const res = await resumeFromDashboard(t.agent, slug);
  expect(res.status).toBe(422);
  expect(await res.text()).toContain("Add a payment method in the billing portal first");
  expect((await stripe().subscriptions.retrieve(t.subId)).status).toBe("paused");
  expect(await resumeAudits(t.tenantId)).toHaveLength(0);
  const stranger = await resumeFromDashboard((await addMember(t.tenantId, { role: "admin" })).agent, "no-such-organisation");
  expect(stranger.status).toBe(403);
});
