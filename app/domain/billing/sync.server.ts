import { and, asc, eq, inArray, isNotNull, isNull, like, sql } from "drizzle-orm";
import { type BatchItem } from "drizzle-orm/batch";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert, auditInsertWhen, type Actor } from "../audit/audit.server";
import { complianceStatements } from "../seats/compliance.server";
import { entitlementStatusFor, graceUntilFor, validUntilFor } from "../entitlements/from-subscription";
import { type SubscriptionSnapshot } from "./types";

export type Statement = BatchItem<"sqlite">;

export const entitlementIdFor = (sourceRef: string) => `ent_${sourceRef}`;

type SyncInput = {
  db: Db;
  tenantId: string;
  sub: SubscriptionSnapshot;
  source: "stripe_subscription" | "trial";
  actor: Actor;
  eventCreated: number;
  graceDays: number;
  syncedAt: number;
  now: number;
};

/**
 * Statements that copy Stripe's current subscription into D1: the subscription row and the
 * Organization entitlement it implies. Guarded by stripe_synced_at so an older copy never
 * overwrites a newer one; grace starts at the earliest failed payment seen (order independent).
 */
/**
 * The product of a subscription whose price is not in our catalog (a price made in Stripe's dashboard):
 * the product D1 already has it under, else the catalog's first seat-based subscription that is not an
 * add-on (the team plan: the product a subscription was before products were data).
 */
async function fallbackProduct(db: Db, stripeSubscriptionId: string) {
  const known = await db
    .select({ id: schema.products.id, seatBased: schema.products.seatBased })
    .from(schema.subscriptions)
    .innerJoin(schema.products, eq(schema.products.id, schema.subscriptions.productId))
    .where(eq(schema.subscriptions.stripeSubscriptionId, stripeSubscriptionId))
    .get();
  if (known) return known;
  return db
    .select({ id: schema.products.id, seatBased: schema.products.seatBased })
    .from(schema.products)
    .where(and(eq(schema.products.kind, "subscription"), eq(schema.products.seatBased, true), isNull(schema.products.baseProductId)))
    .orderBy(asc(schema.products.createdAt), asc(schema.products.key))
    .get();
}

export async function subscriptionSyncStatements(input: SyncInput): Promise<Statement[]> {
  const { db, sub, tenantId } = input;
  const price = sub.priceId
    ? await db
        .select({ id: schema.productPrices.id, productId: schema.productPrices.productId, tier: schema.productPrices.tier })
        .from(schema.productPrices)
        .where(eq(schema.productPrices.stripePriceId, sub.priceId))
        .get()
    : undefined;
  const product = price
    ? await db
        .select({ id: schema.products.id, seatBased: schema.products.seatBased })
        .from(schema.products)
        .where(eq(schema.products.id, price.productId))
        .get()
    : await fallbackProduct(db, sub.id);
  if (!product) throw new Error(`No catalog product for subscription ${sub.id}: its price is unknown and no seat plan exists`);
  const productId = product.id;

  const entitlementId = entitlementIdFor(sub.id);
  const existing = await db
    .select()
    .from(schema.tenantProductEntitlements)
    .where(eq(schema.tenantProductEntitlements.id, entitlementId))
    .get();
  const status = entitlementStatusFor(sub.status);
  const graceUntil = graceUntilFor({
    status,
    existing: existing?.graceUntil ?? null,
    eventCreated: input.eventCreated,
    graceDays: input.graceDays,
  });
  const validUntil = validUntilFor(sub, input.now);
  const quantity = sub.quantity;
  // Seats are a seat-based product's; any other subscription (an add-on bought on its own) licenses no seats.
  const seats = product.seatBased ? quantity : 0;

  const statements: Statement[] = [
    db
      .insert(schema.subscriptions)
      .values({
        id: `sr_${sub.id}`,
        tenantId,
        productId,
        priceId: price?.id ?? null,
        stripeSubscriptionId: sub.id,
        stripeCustomerId: sub.customerId,
        status: sub.status,
        quantity,
        currentPeriodStart: sub.currentPeriodStart,
        currentPeriodEnd: sub.currentPeriodEnd,
        cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
        trialEnd: sub.trialEnd,
        canceledAt: sub.canceledAt,
        endedAt: sub.endedAt,
        stripeSyncedAt: input.syncedAt,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .onConflictDoUpdate({
        target: schema.subscriptions.stripeSubscriptionId,
        set: {
          status: sql`excluded.status`,
          quantity: sql`excluded.quantity`,
          priceId: sql`excluded.price_id`,
          currentPeriodStart: sql`excluded.current_period_start`,
          currentPeriodEnd: sql`excluded.current_period_end`,
          cancelAtPeriodEnd: sql`excluded.cancel_at_period_end`,
          trialEnd: sql`excluded.trial_end`,
          canceledAt: sql`excluded.canceled_at`,
          endedAt: sql`excluded.ended_at`,
          stripeSyncedAt: sql`excluded.stripe_synced_at`,
          updatedAt: sql`excluded.updated_at`,
        },
        setWhere: sql`${schema.subscriptions.stripeSyncedAt} IS NULL OR ${schema.subscriptions.stripeSyncedAt} <= excluded.stripe_synced_at`,
      }),
    db
      .insert(schema.tenantProductEntitlements)
      .values({
        id: entitlementId,
        tenantId,
        productId,
        status,
        quantitySeats: seats,
        source: input.source,
        sourceRef: sub.id,
        tier: price?.tier ?? null,
        priceId: price?.id ?? null,
        validFrom: sub.currentPeriodStart ?? input.now,
        validUntil,
        graceUntil,
        stripeSyncedAt: input.syncedAt,
        createdAt: input.now,
        updatedAt: input.now,
      })
      .onConflictDoUpdate({
        target: [schema.tenantProductEntitlements.source, schema.tenantProductEntitlements.sourceRef],
        set: {
          status: sql`excluded.status`,
          quantitySeats: sql`excluded.quantity_seats`,
          tier: sql`excluded.tier`,
          priceId: sql`excluded.price_id`,
          validUntil: sql`excluded.valid_until`,
          graceUntil: sql`CASE WHEN excluded.status = 'past_due' THEN min(coalesce(${schema.tenantProductEntitlements.graceUntil}, excluded.grace_until), excluded.grace_until) ELSE NULL END`,
          stripeSyncedAt: sql`excluded.stripe_synced_at`,
          updatedAt: sql`excluded.updated_at`,
        },
        // An admin's revoke stands: Stripe's later events never resurrect a revoked entitlement.
        setWhere: sql`${schema.tenantProductEntitlements.status} != 'revoked' AND (${schema.tenantProductEntitlements.stripeSyncedAt} IS NULL OR ${schema.tenantProductEntitlements.stripeSyncedAt} <= excluded.stripe_synced_at)`,
      }),
  ];

  const before = existing
    ? { status: existing.status, quantitySeats: existing.quantitySeats, validUntil: existing.validUntil, graceUntil: existing.graceUntil }
    : null;
  const after = { status, quantitySeats: seats, validUntil, graceUntil };
  if (existing?.status !== "revoked" && JSON.stringify(before) !== JSON.stringify(after)) {
    statements.push(
      auditInsert(db, {
        actor: input.actor,
        action: existing ? "entitlement.updated" : "entitlement.granted",
        tenantId,
        target: { type: "entitlement", id: entitlementId },
        before,
        after: { ...after, source: input.source, stripeSubscriptionId: sub.id, stripeStatus: sub.status },
        reason: `Stripe subscription ${sub.id} is ${sub.status}`,
        at: input.now,
      }),
    );
  }
  statements.push(...(await addonSyncStatements(input, { status, validUntil, baseProductId: productId })));
  // Seats over the new licence are kept, and the tenant is marked over_limit (computed after the upsert above).
  statements.push(
    ...complianceStatements(db, {
      tenantId,
      actor: input.actor,
      now: input.now,
      reason: `Stripe subscription ${sub.id} has ${quantity} seats`,
    }),
  );
  return statements;
}

/** The source_ref of the entitlement an add-on item gives: the subscription and our price, stable across remove and re-add. */
export const addonSourceRef = (stripeSubscriptionId: string, priceId: string) => `${stripeSubscriptionId}:${priceId}`;

/**
 * One entitlement per add-on item on the subscription (ADR 019): an item after the first whose price
 * belongs to a product sold on top of the subscription's product. It follows the subscription's
 * status and period; an add-on entitlement whose item is gone from Stripe's current copy is
 * canceled. Same guards as the base entitlement (stripe_synced_at, an admin's revoke stands).
 */
async function addonSyncStatements(
  input: SyncInput,
  base: { status: ReturnType<typeof entitlementStatusFor>; validUntil: number | null; baseProductId: string },
): Promise<Statement[]> {
  const { db, sub, tenantId } = input;
  const ent = schema.tenantProductEntitlements;
  const addonStripePrices = sub.items.slice(1).map((it) => it.priceId);
  const prices = addonStripePrices.length
    ? await db
        .select({
          id: schema.productPrices.id,
          productId: schema.productPrices.productId,
          stripePriceId: schema.productPrices.stripePriceId,
        })
        .from(schema.productPrices)
        .innerJoin(schema.products, eq(schema.products.id, schema.productPrices.productId))
        .where(
          and(
            inArray(schema.productPrices.stripePriceId, addonStripePrices),
            isNotNull(schema.products.baseProductId),
            eq(schema.products.baseProductId, base.baseProductId),
          ),
        )
    : [];
  const existing = await db
    .select()
    .from(ent)
    .where(and(eq(ent.tenantId, tenantId), eq(ent.source, input.source), like(ent.sourceRef, `${sub.id}:%`)));
  const statements: Statement[] = [];
  const present = new Set<string>();
  for (const price of prices) {
    const sourceRef = addonSourceRef(sub.id, price.id);
    present.add(sourceRef);
    const id = entitlementIdFor(sourceRef);
    const before = existing.find((e) => e.sourceRef === sourceRef);
    const graceUntil = graceUntilFor({
      status: base.status,
      existing: before?.graceUntil ?? null,
      eventCreated: input.eventCreated,
      graceDays: input.graceDays,
    });
    statements.push(
      db
        .insert(ent)
        .values({
          id,
          tenantId,
          productId: price.productId,
          status: base.status,
          quantitySeats: 0,
          source: input.source,
          sourceRef,
          tier: null,
          priceId: price.id,
          validFrom: sub.currentPeriodStart ?? input.now,
          validUntil: base.validUntil,
          graceUntil,
          stripeSyncedAt: input.syncedAt,
          createdAt: input.now,
          updatedAt: input.now,
        })
        .onConflictDoUpdate({
          target: [ent.source, ent.sourceRef],
          set: {
            status: sql`excluded.status`,
            validUntil: sql`excluded.valid_until`,
            graceUntil: sql`CASE WHEN excluded.status = 'past_due' THEN min(coalesce(${ent.graceUntil}, excluded.grace_until), excluded.grace_until) ELSE NULL END`,
            stripeSyncedAt: sql`excluded.stripe_synced_at`,
            updatedAt: sql`excluded.updated_at`,
          },
          setWhere: sql`${ent.status} != 'revoked' AND (${ent.stripeSyncedAt} IS NULL OR ${ent.stripeSyncedAt} <= excluded.stripe_synced_at)`,
        }),
    );
    const was = before ? { status: before.status, validUntil: before.validUntil } : null;
    const now = { status: base.status, validUntil: base.validUntil };
    if (before?.status !== "revoked" && JSON.stringify(was) !== JSON.stringify(now)) {
      statements.push(
        auditInsert(db, {
          actor: input.actor,
          action: before ? "entitlement.updated" : "entitlement.granted",
          tenantId,
          target: { type: "entitlement", id },
          before: was,
          after: { ...now, source: input.source, stripeSubscriptionId: sub.id, addonPriceId: price.id, stripeStatus: sub.status },
          reason: `Add-on item on Stripe subscription ${sub.id} (${sub.status})`,
          at: input.now,
        }),
      );
    }
  }
  // Items removed (in the billing portal or by us): the add-on ends.
  for (const gone of existing.filter((e) => !present.has(e.sourceRef) && e.status !== "revoked" && e.status !== "canceled")) {
    statements.push(
      db
        .update(ent)
        .set({ status: "canceled", graceUntil: null, stripeSyncedAt: input.syncedAt, updatedAt: input.now })
        .where(
          and(
            eq(ent.id, gone.id),
            sql`${ent.status} != 'revoked' AND (${ent.stripeSyncedAt} IS NULL OR ${ent.stripeSyncedAt} <= ${input.syncedAt})`,
          ),
        ),
      auditInsert(db, {
        actor: input.actor,
        action: "entitlement.updated",
        tenantId,
        target: { type: "entitlement", id: gone.id },
        before: { status: gone.status, validUntil: gone.validUntil },
        after: { status: "canceled", validUntil: gone.validUntil, source: input.source, stripeSubscriptionId: sub.id },
        reason: `The add-on item is no longer on Stripe subscription ${sub.id}`,
        at: input.now,
      }),
    );
  }
  return statements;
}

/** Gives `userId` a seat on the entitlement if they have none and one is free; audited only if it happened. */
export function ownerSeatStatements(
  db: Db,
  opts: { entitlementId: string; tenantId: string; userId: string; actor: Actor; now: number },
): Statement[] {
  const seatId = `seat_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const seats = schema.tenantEntitlementSeatAssignments;
  const ent = schema.tenantProductEntitlements;
  const activeSeats = sql`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${ent.id} AND s.released_at IS NULL)`;
  const hasSeat = sql`EXISTS (SELECT 1 FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${ent.id} AND s.user_id = ${opts.userId} AND s.released_at IS NULL)`;
  return [
    db.insert(seats).select(
      db
        .select({
          id: sql<string>`${seatId}`.as("id"),
          entitlementId: ent.id,
          tenantId: ent.tenantId,
          userId: sql<string>`${opts.userId}`.as("user_id"),
          assignedBy: sql<string | null>`NULL`.as("assigned_by"),
          assignedAt: sql<number>`${opts.now}`.as("assigned_at"),
          releasedAt: sql<number | null>`NULL`.as("released_at"),
          releasedBy: sql<string | null>`NULL`.as("released_by"),
        })
        .from(ent)
        .where(and(eq(ent.id, opts.entitlementId), sql`${ent.quantitySeats} > ${activeSeats}`, sql`NOT ${hasSeat}`)),
    ),
    auditInsertWhen(
      db,
      {
        actor: opts.actor,
        action: "seat.assigned",
        at: opts.now,
        tenantId: opts.tenantId,
        target: { type: "seat", id: seats.id },
        after: { userId: opts.userId, entitlementId: opts.entitlementId },
        reason: "Owner seat at provisioning",
      },
      { from: seats, where: eq(seats.id, seatId) },
    ),
  ];
}

/** The tenant a subscription belongs to, if it has been provisioned yet. */
export async function tenantForSubscription(db: Db, sub: SubscriptionSnapshot): Promise<string | null> {
  const row = await db
    .select({ tenantId: schema.subscriptions.tenantId })
    .from(schema.subscriptions)
    .where(eq(schema.subscriptions.stripeSubscriptionId, sub.id))
    .get();
  if (row) return row.tenantId;
  const intentId = sub.metadata.intent_id;
  if (intentId) {
    const intent = await db
      .select({ tenantId: schema.purchaseIntents.provisionedTenantId })
      .from(schema.purchaseIntents)
      .where(and(eq(schema.purchaseIntents.id, intentId), eq(schema.purchaseIntents.state, "provisioned")))
      .get();
    if (intent?.tenantId) return intent.tenantId;
  }
  return null;
}
