import { and, eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { isLive } from "./live";

/** A tenant's live entitlements of seat-based products (live by the one rule in live.ts), with the seats and tier of each. */
export async function liveSeatEntitlements(deps: { db: Db; tenantId: string; now: number }) {
  const e = schema.tenantProductEntitlements;
  const rows = await deps.db
    .select({
      seats: e.quantitySeats,
      tier: e.tier,
      status: e.status,
      validFrom: e.validFrom,
      validUntil: e.validUntil,
      graceUntil: e.graceUntil,
    })
    .from(e)
    .innerJoin(schema.products, eq(schema.products.id, e.productId))
    .where(and(eq(e.tenantId, deps.tenantId), eq(schema.products.seatBased, true)));
  return rows.filter((r) => isLive(r, deps.now));
}
