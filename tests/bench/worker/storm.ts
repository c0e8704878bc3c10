// The renewal storm's routes in the bench entry (tests/bench/storm.ts drives them). Bench only: the
// production Worker has none of this (BENCH_ONLY_MARKERS).
//   POST /__bench/storm/seed     provisions storm tenants for subscriptions already paid in Stripe, with
//                                the statements the app's own Checkout provisioning uses (minus Checkout
//                                itself): tenant + owner, the intent as provisioned, the subscription
//                                sync, the owner's seat.
//   GET  /__bench/storm/inbox    inbox rows whose event id starts with `events`, counted by status.
//   GET  /__bench/storm/effects  what those events changed: audit rows per target, and the storm
//                                tenants' subscriptions as D1 has them now.
import { and, count, eq, inArray, like, sql } from "drizzle-orm";
import { z } from "zod";
import { entitlementIdFor, ownerSeatStatements, type Statement, subscriptionSyncStatements } from "../../../app/domain/billing/sync.server";
import { type SubscriptionSnapshot } from "../../../app/domain/billing/types";
import { newTenantStatements } from "../../../app/domain/tenants/new-tenant.server";
import { createDb, schema } from "../../../app/infra/d1/db.server";
import { toSubscriptionSnapshot } from "../../../app/infra/stripe/mappers.server";
import { BENCH_STORM_EFFECTS_PATH, BENCH_STORM_INBOX_PATH, BENCH_STORM_SEED_PATH, STORM_EVENT_PREFIX, STORM_TENANT_PREFIX } from "../hooks";

const SeedBody = z.object({
  ownerUserId: z.string().min(1),
  tenants: z
    .array(
      z.object({
        id: z.string().startsWith(STORM_TENANT_PREFIX),
        name: z.string().min(1),
        slug: z.string().min(1),
        // A Stripe subscription object as the API returned it; the app's own mapper reads it.
        subscription: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1)
    .max(200),
});

// Only the storm's own ids: a prefix is `[A-Za-z0-9_]+` and must begin with the storm's.
const Prefix = (base: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_]+$/)
    .startsWith(base);

const json = (body: unknown, status = 200) => Response.json(body, { status });

export async function benchStorm(request: Request, d1: D1Database): Promise<Response | null> {
  const url = new URL(request.url);
  if (url.pathname === BENCH_STORM_SEED_PATH && request.method === "POST") {
    const parsed = SeedBody.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return json({ error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, 400);
    // Every subscription is read with the app's own mapper before anything is written.
    const subs = parsed.data.tenants.map((t) => {
      try {
        return toSubscriptionSnapshot(t.subscription as unknown as Parameters<typeof toSubscriptionSnapshot>[0]);
      } catch {
        return null;
      }
    });
    const unreadable = subs.findIndex((s) => s === null);
    if (unreadable >= 0) return json({ error: `tenants.${unreadable}.subscription: not a Stripe subscription the app can read` }, 400);
    const prices = await catalogPrices(d1, subs as SubscriptionSnapshot[]);
    const unpriced = (subs as SubscriptionSnapshot[]).findIndex((s) => !prices.has(s.priceId ?? ""));
    if (unpriced >= 0) return json({ error: `tenants.${unpriced}.subscription: its price is not in the catalog` }, 400);
    return json(await seed(d1, parsed.data, subs as SubscriptionSnapshot[], prices));
  }
  if (url.pathname === BENCH_STORM_INBOX_PATH && request.method === "GET") {
    const events = Prefix(STORM_EVENT_PREFIX).safeParse(url.searchParams.get("events"));
    if (!events.success) return json({ error: `events must be a prefix starting with ${STORM_EVENT_PREFIX}` }, 400);
    return json(await inbox(d1, events.data));
  }
  if (url.pathname === BENCH_STORM_EFFECTS_PATH && request.method === "GET") {
    const events = Prefix(STORM_EVENT_PREFIX).safeParse(url.searchParams.get("events"));
    const tenants = Prefix(STORM_TENANT_PREFIX).safeParse(url.searchParams.get("tenants"));
    if (!events.success || !tenants.success) {
      return json({ error: `events and tenants must be prefixes starting with ${STORM_EVENT_PREFIX} and ${STORM_TENANT_PREFIX}` }, 400);
    }
    return json(await effects(d1, events.data, tenants.data));
  }
  return null;
}

/** One batch per call: every tenant of the call is provisioned, or none. */
type CatalogPrice = { id: string; productId: string };

/** The catalog's prices for the subscriptions' Stripe prices (what a Checkout would have sold). */
async function catalogPrices(d1: D1Database, subs: SubscriptionSnapshot[]): Promise<Map<string, CatalogPrice>> {
  const p = schema.productPrices;
  const ids = [...new Set(subs.map((s) => s.priceId).filter((id): id is string => id !== null))];
  const rows = ids.length
    ? await createDb(d1)
        .select({ id: p.id, productId: p.productId, stripePriceId: p.stripePriceId })
        .from(p)
        .where(inArray(p.stripePriceId, ids))
    : [];
  return new Map(rows.map((r) => [r.stripePriceId!, { id: r.id, productId: r.productId }]));
}

/**
 * What a paid Checkout provisions (billing/provision.server.ts), for a subscription paid in Stripe
 * without one: the tenant and its owner, the purchase intent as provisioned (pay first: every
 * tenant has the purchase behind it), the subscription sync, the owner's seat.
 */
async function seed(
  d1: D1Database,
  body: z.infer<typeof SeedBody>,
  subs: SubscriptionSnapshot[],
  prices: Map<string, CatalogPrice>,
): Promise<{ seeded: number; statements: number }> {
  const db = createDb(d1);
  const now = Date.now();
  const actor = { type: "system", id: "bench-storm-seed" } as const;
  const statements: Statement[] = [];
  for (const [i, t] of body.tenants.entries()) {
    const sub = subs[i]!;
    const price = prices.get(sub.priceId!)!;
    statements.push(
      ...newTenantStatements(db, {
        id: t.id,
        name: t.name,
        slug: t.slug,
        ownerUserId: body.ownerUserId,
        createdBy: body.ownerUserId,
        stripeCustomerId: sub.customerId,
        actor,
        reason: { tenant: "Renewal storm seed (bench)", owner: "Renewal storm seed (bench)" },
        now,
      }),
      db.insert(schema.purchaseIntents).values({
        id: `int_${t.id.replace(/^ten_/, "")}`,
        userId: body.ownerUserId,
        organizationName: t.name,
        productId: price.productId,
        priceId: price.id,
        quantity: sub.quantity,
        state: "provisioned",
        stripeCustomerId: sub.customerId,
        stripeSubscriptionId: sub.id,
        provisionedTenantId: t.id,
        createdAt: now,
        updatedAt: now,
      }),
      ...(await subscriptionSyncStatements({
        db,
        tenantId: t.id,
        sub,
        source: "stripe_subscription",
        actor,
        eventCreated: Math.floor(now / 1000),
        graceDays: 7,
        syncedAt: now,
        now,
      })),
      ...ownerSeatStatements(db, { entitlementId: entitlementIdFor(sub.id), tenantId: t.id, userId: body.ownerUserId, actor, now }),
    );
  }
  await db.batch(statements as [Statement, ...Statement[]]);
  return { seeded: body.tenants.length, statements: statements.length };
}

async function inbox(d1: D1Database, events: string) {
  const db = createDb(d1);
  const w = schema.processedWebhookEvents;
  const rows = await db
    .select({ status: w.status, rows: count(), retried: sql<number>`sum(${w.attempts} > 1)` })
    .from(w)
    .where(like(w.eventId, `${events}%`))
    .groupBy(w.status);
  return {
    byStatus: Object.fromEntries(rows.map((r) => [r.status, r.rows])),
    rows: rows.reduce((n, r) => n + r.rows, 0),
    retried: rows.reduce((n, r) => n + Number(r.retried ?? 0), 0),
  };
}

async function effects(d1: D1Database, events: string, tenants: string) {
  const db = createDb(d1);
  const a = schema.auditLog;
  const s = schema.subscriptions;
  const audits = await db
    .select({ action: a.action, targetId: a.targetId, rows: count() })
    .from(a)
    .where(and(eq(a.actorType, "stripe_event"), like(a.actorId, `${events}%`)))
    .groupBy(a.action, a.targetId);
  const subscriptions = await db
    .select({
      tenantId: s.tenantId,
      stripeSubscriptionId: s.stripeSubscriptionId,
      status: s.status,
      currentPeriodEnd: s.currentPeriodEnd,
      entitlementValidUntil: sql<
        number | null
      >`(SELECT valid_until FROM ${schema.tenantProductEntitlements} e WHERE e.id = 'ent_' || ${s.stripeSubscriptionId})`,
    })
    .from(s)
    .where(like(s.tenantId, `${tenants}%`));
  return { audits, subscriptions };
}
