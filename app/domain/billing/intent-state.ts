// The purchase intent state machine: created -> checkout_open -> paid -> provisioned, with the
// exits expired, canceled and failed. States are ranked and a transition only moves up, so a late
// or reordered event can never undo a newer one. Payment outranks the exits: money Stripe took is
// never dropped because an "expired" or "canceled" arrived first.
export const INTENT_RANK = {
  created: 0,
  checkout_open: 1,
  expired: 2,
  canceled: 2,
  failed: 2,
  paid: 3,
  provisioned: 4,
} as const;

export type IntentState = keyof typeof INTENT_RANK;

export function canTransition(from: IntentState, to: IntentState): boolean {
  return INTENT_RANK[to] > INTENT_RANK[from];
}

/** States a transition to `to` may start from (for guarded UPDATE ... WHERE state IN (...)). */
export function statesBelow(to: IntentState): IntentState[] {
  return (Object.keys(INTENT_RANK) as IntentState[]).filter((s) => canTransition(s, to));
}
