import { type Db, schema } from "../../infra/d1/db.server";
import { type FunnelEvent } from "./funnel";

// Every tracked event is a step of the funnel: the funnel's list (./funnel.ts) is the one list.
export type AnalyticsEventName = FunnelEvent;

export async function track(deps: {
  db: Db;
  name: AnalyticsEventName;
  userId?: string | null;
  tenantId?: string | null;
  properties?: Record<string, unknown>;
  now: number;
}): Promise<void> {
  await deps.db.insert(schema.analyticsEvents).values({
    name: deps.name,
    userId: deps.userId ?? null,
    tenantId: deps.tenantId ?? null,
    properties: deps.properties ? JSON.stringify(deps.properties) : null,
    at: deps.now,
  });
}
