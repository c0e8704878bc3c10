import { env } from "cloudflare:test";
import { control, deliverAll, eventsFor, intentRow, PRICE, startCheckout, stripe } from "./billing";
import { type Agent, signedInAgent, verifiedAgent } from "./http";

/** Buys through Checkout on the emulator and delivers every event: a tenant exactly as production makes one. */
export async function purchase(a: Agent, body: Record<string, unknown>) {
  const checkout = await startCheckout(a, body);
  const paid = await control.pay(checkout.url, "pay");
  if (paid.status !== 303) throw new Error(`payment failed: ${paid.status}`);
  // Twice: the first pass provisions, which can emit more events (the Accelerator trial).
  await deliverAll((await eventsFor(checkout.customerId)).map((e) => e.id));
  await deliverAll((await eventsFor(checkout.customerId)).map((e) => e.id));
  const intent = await intentRow(checkout.intentId);
  if (intent?.state !== "provisioned") throw new Error(`intent ${checkout.intentId} is ${String(intent?.state)}`);
  const tenant = await env.DB.prepare("SELECT id, slug, name FROM tenants WHERE id = ?")
    .bind(intent.provisioned_tenant_id)
    .first<{ id: string; slug: string; name: string }>();
  return { ...checkout, tenant: tenant!, subscriptionId: intent.stripe_subscription_id as string | null };
}

export async function ownerWithOrganization(seats = 3, name = "Matrix Org") {
  const owner = await signedInAgent();
  const bought = await purchase(owner.agent, { priceId: PRICE.pro, quantity: seats, organizationName: name });
  return { owner, ...bought };
}

/** Adds an active member (as an approved join would); `seat` also gives them one of the tenant's seats. */
export async function addMember(tenantId: string, opts: { seat?: boolean; role?: "member" | "admin" } = {}) {
  const member = await signedInAgent();
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO tenant_memberships (id, tenant_id, user_id, role, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?)",
  )
    .bind(`mem_${crypto.randomUUID().slice(0, 18)}`, tenantId, member.user.id, opts.role ?? "member", now, now)
    .run();
  if (opts.seat) {
    await env.DB.prepare(
      `INSERT INTO tenant_entitlement_seat_assignments (id, entitlement_id, tenant_id, user_id, assigned_at)
       SELECT ?, e.id, e.tenant_id, ?, ? FROM tenant_product_entitlements e JOIN products p ON p.id = e.product_id
       WHERE e.tenant_id = ? AND p.key = 'organization' AND e.status IN ('active', 'trialing')`,
    )
      .bind(`seat_${crypto.randomUUID().slice(0, 18)}`, member.user.id, now, tenantId)
      .run();
  }
  return member;
}

/** A system admin: promoted, with a verified address (admin rights need one, ADR 010). */
export async function systemAdmin() {
  const admin = await verifiedAgent();
  await env.DB.prepare("UPDATE users SET is_system_admin = 1 WHERE id = ?").bind(admin.user.id).run();
  return admin;
}

/** Cancels a subscription in Stripe and delivers the resulting events. */
export async function cancelInStripe(subscriptionId: string, customerId: string) {
  const seen = (await eventsFor(customerId)).map((e) => e.id);
  await stripe().subscriptions.cancel(subscriptionId);
  await deliverAll((await eventsFor(customerId, seen)).map((e) => e.id));
}
