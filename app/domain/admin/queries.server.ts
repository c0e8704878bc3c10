import { and, desc, eq, inArray, like, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { entitlementColumns, isLive, liveCondition } from "../entitlements/live";
import { FUNNEL_EVENTS } from "./funnel";

// Read models for the admin console. Nothing here writes.

export async function searchTenants(deps: { db: Db; q: string; now: number; limit?: number }) {
  const q = deps.q.trim().toLowerCase();
  const t = schema.tenants;
  const where = q
    ? or(
        like(sql`lower(${t.name})`, `%${q}%`),
        like(t.slug, `%${q}%`),
        eq(t.id, q),
        eq(t.stripeCustomerId, deps.q.trim()),
        sql`${t.id} IN (SELECT m.tenant_id FROM tenant_memberships m JOIN users u ON u.id = m.user_id WHERE u.email LIKE ${`%${q}%`})`,
      )
    : undefined;
  // Qualified by hand: drizzle writes a one-table select's columns bare, and a bare "id" inside
  // these subqueries would name the subquery's own table (every count was 0).
  const tenantId = sql`${sql.identifier("tenants")}.${sql.identifier("id")}`;
  return deps.db
    .select({
      id: t.id,
      name: t.name,
      slug: t.slug,
      createdAt: t.createdAt,
      complianceStatus: t.complianceStatus,
      members: sql<number>`(SELECT count(*) FROM tenant_memberships m WHERE m.tenant_id = ${tenantId} AND m.status = 'active')`,
      liveEntitlements: sql<number>`(SELECT count(*) FROM tenant_product_entitlements e WHERE e.tenant_id = ${tenantId} AND ${liveCondition(entitlementColumns("e"), deps.now)})`,
    })
    .from(t)
    .where(where)
    .orderBy(desc(t.createdAt))
    .limit(deps.limit ?? 100);
}

export const SOURCE_LABEL: Record<string, string> = {
  stripe_subscription: "Stripe subscription",
  stripe_payment: "Stripe one-time payment",
  trial: "Trial bundled with Accelerator",
  admin_grant: "Admin grant",
};

export async function getTenantDetail(deps: { db: Db; tenantId: string; now: number }) {
  const { db } = deps;
  const tenant = await db.select().from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get();
  if (!tenant) return null;
  const [members, subscriptions, entitlements, intents] = await Promise.all([
    db
      .select({
        userId: schema.users.id,
        email: schema.users.email,
        role: schema.tenantMemberships.role,
        status: schema.tenantMemberships.status,
        seats: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.user_id = ${schema.users.id} AND s.tenant_id = ${tenant.id} AND s.released_at IS NULL)`,
      })
      .from(schema.tenantMemberships)
      .innerJoin(schema.users, eq(schema.users.id, schema.tenantMemberships.userId))
      .where(eq(schema.tenantMemberships.tenantId, tenant.id))
      .orderBy(schema.users.email),
    db.select().from(schema.subscriptions).where(eq(schema.subscriptions.tenantId, tenant.id)).orderBy(desc(schema.subscriptions.createdAt)),
    db
      .select({
        e: schema.tenantProductEntitlements,
        productKey: schema.products.key,
        productName: schema.products.name,
        seatsUsed: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${schema.tenantProductEntitlements.id} AND s.released_at IS NULL)`,
        grantReason: sql<string | null>`(SELECT a.reason FROM audit_log a WHERE a.target_id = ${schema.tenantProductEntitlements.id} AND a.action = 'entitlement.granted' ORDER BY a.id LIMIT 1)`,
      })
      .from(schema.tenantProductEntitlements)
      .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
      .where(eq(schema.tenantProductEntitlements.tenantId, tenant.id))
      .orderBy(desc(schema.tenantProductEntitlements.createdAt)),
    db
      .select({ intent: schema.purchaseIntents, productName: schema.products.name, buyer: schema.users.email })
      .from(schema.purchaseIntents)
      .innerJoin(schema.products, eq(schema.products.id, schema.purchaseIntents.productId))
      .innerJoin(schema.users, eq(schema.users.id, schema.purchaseIntents.userId))
      .where(
        or(
          eq(schema.purchaseIntents.tenantId, tenant.id),
          eq(schema.purchaseIntents.provisionedTenantId, tenant.id),
          tenant.stripeCustomerId ? eq(schema.purchaseIntents.stripeCustomerId, tenant.stripeCustomerId) : sql`0`,
        ),
      )
      .orderBy(desc(schema.purchaseIntents.createdAt)),
  ]);
  const objectIds = [
    ...subscriptions.map((s) => s.stripeSubscriptionId),
    ...intents.flatMap((i) => [i.intent.stripeCheckoutSessionId, i.intent.stripePaymentIntentId].filter((x): x is string => Boolean(x))),
  ];
  const events = await db
    .select({
      eventId: schema.processedWebhookEvents.eventId,
      type: schema.processedWebhookEvents.type,
      status: schema.processedWebhookEvents.status,
      receivedAt: schema.processedWebhookEvents.receivedAt,
      error: schema.processedWebhookEvents.error,
    })
    .from(schema.processedWebhookEvents)
    .where(
      objectIds.length
        ? or(eq(schema.processedWebhookEvents.tenantId, tenant.id), inArray(schema.processedWebhookEvents.objectId, objectIds))
        : eq(schema.processedWebhookEvents.tenantId, tenant.id),
    )
    .orderBy(desc(schema.processedWebhookEvents.receivedAt))
    .limit(100);
  return {
    tenant,
    members,
    subscriptions,
    entitlements: entitlements.map((r) => ({
      ...r.e,
      productKey: r.productKey,
      productName: r.productName,
      seatsUsed: Number(r.seatsUsed),
      live: isLive(r.e, deps.now),
      why: `${SOURCE_LABEL[r.e.source] ?? r.e.source} (${r.e.sourceRef})${r.grantReason ? `: ${r.grantReason}` : ""}`,
    })),
    intents: intents.map((i) => ({ ...i.intent, productName: i.productName, buyer: i.buyer, stuck: i.intent.state === "paid" })),
    events,
  };
}

export const LicenceFilter = z.object({
  product: z.enum(["organization", "accelerator", ""]).catch(""),
  status: z.enum(["active", "trialing", "past_due", "canceled", "expired", "revoked", ""]).catch(""),
});

export async function listLicences(deps: { db: Db; product?: string; status?: string; now: number }) {
  const e = schema.tenantProductEntitlements;
  const conditions: SQL[] = [];
  if (deps.product) conditions.push(eq(schema.products.key, deps.product));
  if (deps.status) conditions.push(eq(e.status, deps.status as (typeof schema.ENTITLEMENT_STATUSES)[number]));
  const rows = await deps.db
    .select({
      id: e.id,
      tenantId: e.tenantId,
      tenantName: schema.tenants.name,
      product: schema.products.key,
      source: e.source,
      sourceRef: e.sourceRef,
      status: e.status,
      seatsTotal: e.quantitySeats,
      seatsUsed: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${e.id} AND s.released_at IS NULL)`,
      validFrom: e.validFrom,
      validUntil: e.validUntil,
      graceUntil: e.graceUntil,
    })
    .from(e)
    .innerJoin(schema.tenants, eq(schema.tenants.id, e.tenantId))
    .innerJoin(schema.products, eq(schema.products.id, e.productId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(e.createdAt))
    .limit(5000);
  return rows.map((r) => ({ ...r, seatsUsed: Number(r.seatsUsed) }));
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  // Quote everything; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

export function licencesCsv(rows: Awaited<ReturnType<typeof listLicences>>): string {
  const header = ["entitlement_id", "tenant_id", "tenant", "product", "source", "source_ref", "status", "seats_used", "seats_total", "valid_from", "valid_until", "grace_until"];
  const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : "");
  const lines = rows.map((r) =>
    [r.id, r.tenantId, r.tenantName, r.product, r.source, r.sourceRef, r.status, r.seatsUsed, r.seatsTotal, iso(r.validFrom), iso(r.validUntil), iso(r.graceUntil)]
      .map(csvCell)
      .join(","),
  );
  return [header.join(","), ...lines].join("\r\n") + "\r\n";
}

export async function listWebhookEvents(deps: { db: Db; status?: string; limit?: number }) {
  const w = schema.processedWebhookEvents;
  return deps.db
    .select({
      eventId: w.eventId,
      type: w.type,
      status: w.status,
      attempts: w.attempts,
      error: w.error,
      receivedAt: w.receivedAt,
      processedAt: w.processedAt,
      durationMs: w.durationMs,
      tenantId: w.tenantId,
      payload: w.payload,
    })
    .from(w)
    .where(deps.status ? eq(w.status, deps.status as (typeof schema.WEBHOOK_EVENT_STATUSES)[number]) : undefined)
    .orderBy(desc(w.receivedAt))
    .limit(deps.limit ?? 100);
}

export async function listAudit(deps: { db: Db; tenantId?: string; actor?: string; action?: string; limit?: number }) {
  const a = schema.auditLog;
  const conditions: SQL[] = [];
  if (deps.tenantId) conditions.push(eq(a.tenantId, deps.tenantId));
  if (deps.actor) conditions.push(or(eq(a.actorId, deps.actor), eq(a.actorType, deps.actor as (typeof schema.AUDIT_ACTOR_TYPES)[number]))!);
  if (deps.action) conditions.push(like(a.action, `${deps.action}%`));
  return deps.db
    .select()
    .from(a)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(a.id))
    .limit(deps.limit ?? 200);
}


/** Counts of each funnel event per UTC day for the last `days` days (zero-filled). */
export async function funnelByDay(deps: { db: Db; days: number; now: number }) {
  const DAY = 86_400_000;
  const end = Math.floor(deps.now / DAY) * DAY + DAY;
  const start = end - deps.days * DAY;
  const rows = await deps.db
    .select({
      // An integer literal: a bound JS number arrives as REAL and would make this a float division.
      day: sql<number>`(${schema.analyticsEvents.at} / ${sql.raw(String(DAY))}) * ${sql.raw(String(DAY))}`,
      name: schema.analyticsEvents.name,
      n: sql<number>`count(*)`,
    })
    .from(schema.analyticsEvents)
    .where(and(inArray(schema.analyticsEvents.name, [...FUNNEL_EVENTS]), sql`${schema.analyticsEvents.at} >= ${start}`, sql`${schema.analyticsEvents.at} < ${end}`))
    .groupBy(sql`1`, schema.analyticsEvents.name);
  const days = Array.from({ length: deps.days }, (_, i) => start + i * DAY);
  return days.map((day) => ({
    day,
    counts: Object.fromEntries(FUNNEL_EVENTS.map((name) => [name, Number(rows.find((r) => Number(r.day) === day && r.name === name)?.n ?? 0)])) as Record<
      (typeof FUNNEL_EVENTS)[number],
      number
    >,
  }));
}

export async function adminOverview(deps: { db: Db; now: number }) {
  const row = await deps.db
    .select({
      tenants: sql<number>`(SELECT count(*) FROM tenants)`,
      liveEntitlements: sql<number>`(SELECT count(*) FROM tenant_product_entitlements e WHERE ${liveCondition(entitlementColumns("e"), deps.now)})`,
      stuckIntents: sql<number>`(SELECT count(*) FROM purchase_intents WHERE state = 'paid')`,
      failedEvents: sql<number>`(SELECT count(*) FROM processed_webhook_events WHERE status = 'failed')`,
    })
    .from(sql`(SELECT 1)`)
    .get();
  const stuck = await deps.db
    .select({
      id: schema.purchaseIntents.id,
      buyer: schema.users.email,
      product: schema.products.name,
      quantity: schema.purchaseIntents.quantity,
      updatedAt: schema.purchaseIntents.updatedAt,
      lastEventId: schema.purchaseIntents.lastEventId,
    })
    .from(schema.purchaseIntents)
    .innerJoin(schema.users, eq(schema.users.id, schema.purchaseIntents.userId))
    .innerJoin(schema.products, eq(schema.products.id, schema.purchaseIntents.productId))
    .where(eq(schema.purchaseIntents.state, "paid"))
    .orderBy(desc(schema.purchaseIntents.updatedAt))
    .limit(50);
  return {
    stuck,
    tenants: Number(row?.tenants ?? 0),
    liveEntitlements: Number(row?.liveEntitlements ?? 0),
    stuckIntents: Number(row?.stuckIntents ?? 0),
    failedEvents: Number(row?.failedEvents ?? 0),
  };
}
