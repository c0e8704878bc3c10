import { desc, eq, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { entitlementColumns, liveCondition } from "../entitlements/live";

/** The admin console's front page: totals, and the purchases paid for but not provisioned. */
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
