import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { control, deliverAll, eventsFor, forDeliveryOrders, isActedOn, stripe, tenantState } from "../factories/billing";
import { multipart, packageBytes } from "../factories/downloads";
import { type Agent, form, json, pageText, signedInAgent, visibleText } from "../factories/http";
import { auditActions, capacityOf } from "../factories/seats";
import { ownerWithOrganization, systemAdmin } from "../factories/tenants";

// Add-ons (ADR 019): the Uploads add-on is an extra item on the tenant's Organization subscription,
// bought pay first from the billing page; its entitlement follows Stripe's events and ends when the
// item is removed in the billing portal. Seats stay the seat item's quantity.

const ADDON_PRICE = "prc_uploads_addon_monthly";

const uploadsGranted = async (a: Agent) =>
  ((await (await a.fetch("/api/me")).json()) as { access: { features: Record<string, { granted: boolean }> } }).access.features[
    "uploads.pro"
  ]?.granted ?? false;

let uploadRun = 0;
const upload = (a: Agent, slug: string) =>
  a.fetch(
    `/api/pro/uploads?tenant=${slug}`,
    multipart(
      { application: "Addon Tool", version: `1.0.${++uploadRun}` },
      { name: `AddonTool-1.0.${uploadRun}.msi`, bytes: packageBytes("msi", 1024, uploadRun) },
    ),
  );

const itemsOf = async (subId: string) => (await stripe().subscriptions.retrieve(subId)).items.data;

const addonRows = (tenantId: string) =>
  env.DB.prepare("SELECT * FROM tenant_product_entitlements WHERE tenant_id = ? AND product_id = 'prd_uploads_addon' ORDER BY id")
    .bind(tenantId)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

/** Puts the add-on's entitlement rows back to `saved` and forgets the events, so they can be delivered again in another order. */
async function restoreAddon(tenantId: string, saved: Record<string, unknown>[], eventIds: string[]) {
  const marks = eventIds.map(() => "?").join(",");
  await env.DB.batch([
    env.DB.prepare(`DELETE FROM processed_webhook_events WHERE event_id IN (${marks})`).bind(...eventIds),
    env.DB.prepare("DELETE FROM tenant_product_entitlements WHERE tenant_id = ? AND product_id = 'prd_uploads_addon'").bind(tenantId),
    ...saved.map((row) => {
      const cols = Object.keys(row);
      return env.DB.prepare(`INSERT INTO tenant_product_entitlements (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).bind(
        ...cols.map((c) => row[c]),
      );
    }),
  ]);
}

async function pagedOrg(name: string) {
  const org = await ownerWithOrganization(3, name);
  const admin = await systemAdmin();
  // Uploads need the system admin's switch as well as the feature (ADR 018 leaves that switch as it was).
  const switched = await admin.agent.fetch(`/admin/tenants/${org.tenant.id}`, form({ intent: "pro_uploads", enabled: "true" }));
  expect(switched.status).toBe(200);
  return { ...org, billing: `/org/${org.tenant.slug}/billing` };
}

test("buying the Uploads add-on: one pay-first item on the Organization subscription, uploads.pro once Stripe's events arrive, in any order; seats unchanged", async () => {
  const org = await pagedOrg("Addon Buyers");
  const page = await (await org.owner.agent.fetch(org.billing)).text();
  expect(page).toContain(`name="priceId" value="${ADDON_PRICE}"`);
  expect(await uploadsGranted(org.owner.agent)).toBe(false);
  expect((await upload(org.owner.agent, org.tenant.slug)).status).toBe(403);

  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  const buy = () => org.owner.agent.fetch(org.billing, form({ intent: "addon", priceId: ADDON_PRICE }));
  const [first, second] = [await buy(), await buy()];
  expect(first.status).toBe(200);
  expect(second.status).toBe(200); // the same Idempotency-Key: Stripe adds the item once
  const items = await itemsOf(org.subscriptionId!);
  expect(items.map((i) => [i.price.lookup_key, i.quantity])).toEqual([
    ["organization_pro_monthly", 3],
    ["uploads_addon_monthly", 1],
  ]);
  const invoices = await stripe().invoices.list({ subscription: org.subscriptionId!, limit: 100 });
  const update = invoices.data.filter((i) => i.billing_reason === "subscription_update");
  expect(update).toHaveLength(1);
  expect(update[0]!.status).toBe("paid");
  // Nothing in D1 before Stripe's events.
  expect(await uploadsGranted(org.owner.agent)).toBe(false);
  // Each confirmed request is audited (the same Idempotency-Key); Stripe changed once.
  expect(await auditActions(org.tenant.id, "addon.purchase_requested")).toEqual([
    expect.objectContaining({ actor_type: "user", actor_id: org.owner.user.id, after: { priceId: ADDON_PRICE, product: "uploads_addon" } }),
    expect.objectContaining({ actor_type: "user", actor_id: org.owner.user.id, after: { priceId: ADDON_PRICE, product: "uploads_addon" } }),
  ]);

  const events = (await eventsFor(org.customerId, seen)).filter((e) => isActedOn(e.type)).map((e) => e.id);
  expect(events.length).toBeGreaterThan(0);
  await deliverAll(events);
  expect(await uploadsGranted(org.owner.agent)).toBe(true);
  expect((await upload(org.owner.agent, org.tenant.slug)).status).toBe(201);
  expect(await capacityOf(org.tenant.id)).toBe(3);
  const reference = await tenantState(org.tenant.id);
  expect(reference.entitlements.filter((e) => e.product_id === "prd_uploads_addon")).toEqual([
    expect.objectContaining({
      status: "active",
      quantity_seats: 0,
      source: "stripe_subscription",
      source_ref: `${org.subscriptionId}:${ADDON_PRICE}`,
    }),
  ]);
  expect(reference.subscriptions).toEqual([expect.objectContaining({ quantity: 3 })]);
  const granted = (await auditActions(org.tenant.id, "entitlement.granted")).filter(
    (a) => (a.after as { addonPriceId?: string } | null)?.addonPriceId === ADDON_PRICE,
  );
  expect(granted).toHaveLength(1);
  // The billing page now says it is on the subscription.
  expect(await (await org.owner.agent.fetch(org.billing)).text()).toContain("On your subscription");
  // A second purchase of the same add-on is refused.
  expect((await buy()).status).toBe(409);

  // The add-on's events in every order (all for a few, chosen + seeded sample for more) end in the same state.
  const runs = await forDeliveryOrders(events, async (order) => {
    await restoreAddon(org.tenant.id, [], events);
    await deliverAll(order);
    expect(await tenantState(org.tenant.id)).toEqual(reference);
  });
  expect(runs).toBeGreaterThan(1);
}, 180_000);

test("removing the add-on in the billing portal removes uploads.pro, whatever order the events arrive in", async () => {
  const org = await pagedOrg("Addon Removers");
  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  expect((await org.owner.agent.fetch(org.billing, form({ intent: "addon", priceId: ADDON_PRICE }))).status).toBe(200);
  const bought = (await eventsFor(org.customerId, seen)).filter((e) => isActedOn(e.type)).map((e) => e.id);
  await deliverAll(bought);
  expect(await uploadsGranted(org.owner.agent)).toBe(true);
  const withAddon = await addonRows(org.tenant.id);

  const portal = await org.owner.agent.fetch(`/org/${org.tenant.slug}/billing-portal`, { method: "POST" });
  expect(portal.status).toBe(303);
  const addonItem = (await itemsOf(org.subscriptionId!)).find((i) => i.price.lookup_key === "uploads_addon_monthly")!;
  const before = (await eventsFor(org.customerId)).map((e) => e.id);
  const removed = await control.portal(portal.headers.get("location")!, {
    action: "remove_item",
    subscription: org.subscriptionId!,
    item: addonItem.id,
  });
  expect(removed.status).toBe(303);
  expect((await itemsOf(org.subscriptionId!)).map((i) => i.price.lookup_key)).toEqual(["organization_pro_monthly"]);
  const removal = (await eventsFor(org.customerId, before)).filter((e) => isActedOn(e.type)).map((e) => e.id);
  await deliverAll(removal);
  expect(await uploadsGranted(org.owner.agent)).toBe(false);
  expect((await upload(org.owner.agent, org.tenant.slug)).status).toBe(403);
  expect(await capacityOf(org.tenant.id)).toBe(3);
  const reference = await tenantState(org.tenant.id);
  expect(reference.entitlements.find((e) => e.product_id === "prd_uploads_addon")).toMatchObject({ status: "canceled" });
  expect(reference.entitlements.find((e) => e.product_id === "prd_organization")).toMatchObject({ status: "active", quantity_seats: 3 });

  // Late purchase events mixed with the removal's, in any order: the add-on ends canceled.
  const all = [...bought, ...removal];
  await forDeliveryOrders(all, async (order) => {
    await restoreAddon(org.tenant.id, withAddon, all);
    await deliverAll(order);
    expect(await tenantState(org.tenant.id)).toEqual(reference);
  });
  expect(await uploadsGranted(org.owner.agent)).toBe(false);
}, 180_000);

test("a declined proration payment adds nothing: no item in Stripe, no entitlement, no audit of a purchase", async () => {
  const org = await pagedOrg("Addon Declined");
  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  await control.declineNextPayment(org.customerId, true);
  const res = await org.owner.agent.fetch(org.billing, form({ intent: "addon", priceId: ADDON_PRICE }));
  expect(res.status).toBe(402);
  expect(await res.text()).toContain("The card was declined, so Uploads was not added.");
  await control.declineNextPayment(org.customerId, false);
  expect((await itemsOf(org.subscriptionId!)).map((i) => i.price.lookup_key)).toEqual(["organization_pro_monthly"]);
  await deliverAll((await eventsFor(org.customerId, seen)).map((e) => e.id));
  expect(await addonRows(org.tenant.id)).toEqual([]);
  expect(await uploadsGranted(org.owner.agent)).toBe(false);
  expect(await auditActions(org.tenant.id, "addon.purchase_requested")).toEqual([]);
  // Garbage and unknown prices are 422, not 500.
  expect((await org.owner.agent.fetch(org.billing, form({ intent: "addon", priceId: "" }))).status).toBe(422);
  expect((await org.owner.agent.fetch(org.billing, form({ intent: "addon", priceId: "prc_organization_max_monthly" }))).status).toBe(422);
}, 120_000);

test("removing the add-on from the billing page: Stripe deletes the item once (idempotent), uploads.pro leaves only with Stripe's events", async () => {
  const org = await pagedOrg("Addon In-App Removers");
  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  expect((await org.owner.agent.fetch(org.billing, form({ intent: "addon", priceId: ADDON_PRICE }))).status).toBe(200);
  await deliverAll((await eventsFor(org.customerId, seen)).filter((e) => isActedOn(e.type)).map((e) => e.id));
  expect(await uploadsGranted(org.owner.agent)).toBe(true);
  const page = await pageText(await org.owner.agent.fetch(org.billing));
  expect(page).toContain('name="intent" value="remove_addon"');
  expect(page).toContain("Remove Uploads");

  const before = (await eventsFor(org.customerId)).map((e) => e.id);
  const remove = () => org.owner.agent.fetch(org.billing, form({ intent: "remove_addon", priceId: ADDON_PRICE }));
  const [first, second] = [await remove(), await remove()];
  expect(first.status).toBe(200);
  expect(await first.text()).toContain("Stripe is removing Uploads");
  expect(second.status).toBe(200); // the same Idempotency-Key: Stripe removes the item once
  expect((await itemsOf(org.subscriptionId!)).map((i) => i.price.lookup_key)).toEqual(["organization_pro_monthly"]);
  const removal = (await eventsFor(org.customerId, before)).filter((e) => isActedOn(e.type)).map((e) => e.id);
  expect(removal.length).toBeGreaterThan(0);
  expect(await auditActions(org.tenant.id, "addon.removal_requested")).toEqual([
    expect.objectContaining({
      actor_type: "user",
      actor_id: org.owner.user.id,
      before: { priceId: ADDON_PRICE, product: "uploads_addon" },
    }),
    expect.objectContaining({
      actor_type: "user",
      actor_id: org.owner.user.id,
      before: { priceId: ADDON_PRICE, product: "uploads_addon" },
    }),
  ]);
  // Webhook is the truth: nothing changes in D1 until Stripe's events arrive.
  expect(await uploadsGranted(org.owner.agent)).toBe(true);
  await deliverAll(removal);
  expect(await uploadsGranted(org.owner.agent)).toBe(false);
  expect((await addonRows(org.tenant.id)).map((r) => r.status)).toEqual(["canceled"]);
  expect(await capacityOf(org.tenant.id)).toBe(3);
  // Removing what is not on the subscription is a 409 that asks Stripe nothing; a member may not remove it at all.
  expect((await remove()).status).toBe(409);
  expect((await org.owner.agent.fetch(org.billing, form({ intent: "remove_addon", priceId: "" }))).status).toBe(422);
}, 120_000);

test("an add-on is never a Checkout of its own: 409 without a live base subscription, and 409 pointing to the billing page with one", async () => {
  const intents = async () =>
    (await env.DB.prepare("SELECT count(*) AS n FROM purchase_intents WHERE price_id = ?").bind(ADDON_PRICE).first<{ n: number }>())!.n;
  const n = await intents();
  // A buyer without any organisation: the page and the JSON API both refuse, naming the base product.
  const { agent: buyer } = await signedInAgent();
  const page = await buyer.fetch("/checkout/start?plan=uploads_addon");
  expect(page.status).toBe(409);
  expect(await page.text()).toContain("Uploads is an add-on of Organization");
  const api = await buyer.fetch("/api/billing/create-checkout-session", json({ priceId: ADDON_PRICE, organizationName: "Addon Only" }));
  expect(api.status).toBe(409);
  expect(await api.json()).toMatchObject({
    error: "base_subscription_required",
    message: expect.stringContaining("needs a live Organization subscription"),
  });
  const posted = await buyer.fetch("/checkout/start?plan=uploads_addon", form({ priceId: ADDON_PRICE, organizationName: "Addon Only" }));
  expect(posted.status).toBe(409);
  // In French, the page and the API's message say it in French, with the catalog's French names (ADR 024, 026).
  const fr = { headers: { "Accept-Language": "fr" } };
  const frPage = await buyer.fetch("/checkout/start?plan=uploads_addon", fr);
  expect(frPage.status).toBe(409);
  expect(visibleText(await frPage.text())).toContain(
    "Téléversements est une option de Organization : il faut d'abord un abonnement Organization actif",
  );
  const frApi = await buyer.fetch("/api/billing/create-checkout-session", {
    ...json({ priceId: ADDON_PRICE, organizationName: "Addon Only" }),
    headers: { "Content-Type": "application/json", "Accept-Language": "fr" },
  });
  expect(await frApi.json()).toMatchObject({
    error: "base_subscription_required",
    message: expect.stringContaining("est une option de Organization"),
  });

  // An owner with a live Organization subscription is sent to the billing page instead.
  const org = await ownerWithOrganization(2, "Addon Via Billing");
  const withBase = await org.owner.agent.fetch(
    "/api/billing/create-checkout-session",
    json({ priceId: ADDON_PRICE, tenantId: org.tenant.id }),
  );
  expect(withBase.status).toBe(409);
  expect(await withBase.json()).toMatchObject({ error: "addon_on_billing_page", billingUrl: `/org/${org.tenant.slug}/billing` });
  expect(await intents()).toBe(n);
}, 120_000);
