import { type Db, schema } from "../../infra/d1/db.server";

export const ANALYTICS_EVENTS = [
  "pricing_upgrade_click",
  "checkout_started",
  "checkout_success",
  "checkout_cancel",
  "accelerator_locked_view",
] as const;
export type AnalyticsEventName = (typeof ANALYTICS_EVENTS)[number];

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
