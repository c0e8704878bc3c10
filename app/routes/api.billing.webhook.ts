// The MVP plan's name for the Stripe webhook: the very same action (raw-body signature check,
// inbox, retry semantics). Point Stripe at either path, not both (each delivery would run twice).
export { action, loader } from "./api.stripe.webhook";
