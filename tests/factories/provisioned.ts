import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { auditInsert, type Actor } from "../../app/domain/audit/audit.server";
import { ownerSeatStatements, entitlementIdFor, type Statement } from "../../app/domain/billing/sync.server";
import { createDb, schema } from "../../app/infra/d1/db.server";
import { PRICE } from "./billing";
import { signedInAgent } from "./http";

type SignedIn = Awaited<ReturnType<typeof signedInAgent>>;

const DAY = 24 * 60 * 60 * 1000;
const tag = () => crypto.randomUUID().replace(/-/g, "").slice(0, 20);

/**
 * A tenant as a paid Organization purchase leaves it, written straight to D1 in one batch: the
 * provisioned purchase intent, the tenant, the owner's membership, the subscription and its live
 * entitlement, the owner's seat (with the webhook's own ownerSeatStatements) and the audit rows.
 * No Checkout, emulator or webhooks: for tests that are not about billing. The Stripe ids are made
 * up, so a test that acts in Stripe (cancel, portal, seat purchase) buys through Checkout instead
 * (purchase() / ownerWithOrganization()). The SeatAllocator keeps no seats of its own (D1 holds
 * them, ADR 007), so it agrees with these rows as it does with the webhook's.
 */
export async function provisionedTenant(
  opts: {
    seats?: number;
    name?: string;
    price?: keyof typeof PRICE & ("pro" | "max");
    /** "canceled": bought and since canceled (nothing live; the owner's seat row stays, as after a cancellation). */
    status?: "active" | "canceled";
    owner?: SignedIn;
  } = {},
) {
  const db = createDb(env.DB);
  const owner = opts.owner ?? (await signedInAgent());
  const seats = opts.seats ?? 3;
  const name = opts.name ?? "Provisioned Org";
  const status = opts.status ?? "active";
  const now = Date.now();
  const id = tag();
  const tenantId = `ten_${id}`;
  const intentId = `int_${id}`;
  const customerId = `cus_fixture_${id}`;
  const subscriptionId = `sub_fixture_${id}`;
  const price = (await db
    .select()
    .from(schema.productPrices)
    .where(eq(schema.productPrices.id, PRICE[opts.price ?? "pro"]))
    .get())!;
  const slug = `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")}-${id.slice(-6)}`;
  const actor: Actor = { type: "stripe_event", id: `evt_fixture_${id}` };
  const entitlementId = entitlementIdFor(subscriptionId);
  const periodEnd = now + 30 * DAY;

  const statements: Statement[] = [
    db.insert(schema.tenants).values({
      id: tenantId,
      name,
      slug,
      joinCode: id.slice(0, 8).toUpperCase(),
      stripeCustomerId: customerId,
      createdAt: now,
      createdBy: owner.user.id,
    }),
    db.insert(schema.purchaseIntents).values({
      id: intentId,
      userId: owner.user.id,
      organizationName: name,
      productId: price.productId,
      priceId: price.id,
      quantity: seats,
      state: "provisioned",
      stripeCustomerId: customerId,
      stripeCheckoutSessionId: `cs_fixture_${id}`,
      stripeSubscriptionId: subscriptionId,
      provisionedTenantId: tenantId,
      lastEventId: actor.id,
      createdAt: now,
      updatedAt: now,
    }),
    db
      .insert(schema.tenantMemberships)
      .values({ id: `mem_${id}`, tenantId, userId: owner.user.id, role: "owner", status: "active", createdAt: now, updatedAt: now }),
    db.insert(schema.subscriptions).values({
      id: `sr_${subscriptionId}`,
      tenantId,
      productId: price.productId,
      priceId: price.id,
      stripeSubscriptionId: subscriptionId,
      stripeCustomerId: customerId,
      status,
      quantity: seats,
      currentPeriodStart: now,
      currentPeriodEnd: periodEnd,
      canceledAt: status === "canceled" ? now : null,
      endedAt: status === "canceled" ? now : null,
      stripeSyncedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(schema.tenantProductEntitlements).values({
      id: entitlementId,
      tenantId,
      productId: price.productId,
      status,
      quantitySeats: seats,
      source: "stripe_subscription",
      sourceRef: subscriptionId,
      tier: price.tier,
      priceId: price.id,
      validFrom: now,
      validUntil: status === "canceled" ? now : periodEnd,
      stripeSyncedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
    auditInsert(db, {
      actor,
      action: "tenant.created",
      tenantId,
      target: { type: "tenant", id: tenantId },
      after: { name, slug, ownerUserId: owner.user.id, intentId },
      at: now,
    }),
    auditInsert(db, {
      actor,
      action: "membership.created",
      tenantId,
      target: { type: "user", id: owner.user.id },
      after: { role: "owner", status: "active" },
      at: now,
    }),
    auditInsert(db, {
      actor,
      action: "entitlement.granted",
      tenantId,
      target: { type: "entitlement", id: entitlementId },
      after: { status, quantitySeats: seats },
      at: now,
    }),
    auditInsert(db, {
      actor,
      action: "purchase.provisioned",
      tenantId,
      target: { type: "purchase_intent", id: intentId },
      after: { product: "organization", quantity: seats },
      at: now,
    }),
    db.insert(schema.analyticsEvents).values({
      name: "checkout_success",
      userId: owner.user.id,
      tenantId,
      properties: JSON.stringify({ intentId, product: "organization", quantity: seats }),
      at: now,
    }),
  ];
  // The owner's seat as the webhook gives it at provisioning (a later cancellation keeps the row).
  statements.push(...ownerSeatStatements(db, { entitlementId, tenantId, userId: owner.user.id, actor, now }));
  await db.batch(statements as [Statement, ...Statement[]]);
  return { owner, tenant: { id: tenantId, slug, name }, intentId, customerId, subscriptionId };
}
