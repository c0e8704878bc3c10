// The funnel's events in order, shared by the server query and the chart.
export const FUNNEL_EVENTS = [
  "pricing_upgrade_click",
  "checkout_started",
  "checkout_success",
  "checkout_cancel",
  "accelerator_locked_view",
] as const;
export type FunnelEvent = (typeof FUNNEL_EVENTS)[number];
export const isFunnelEvent = (name: string): name is FunnelEvent => (FUNNEL_EVENTS as readonly string[]).includes(name);
