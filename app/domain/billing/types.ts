// Billing as the domain sees it: Stripe objects arrive here already mapped by infra/stripe.

export type SubscriptionStatus =
  "incomplete" | "incomplete_expired" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";

export type SubscriptionSnapshot = {
  id: string;
  customerId: string;
  status: SubscriptionStatus;
  quantity: number;
  priceId: string | null; // Stripe price id of the first item (the seat item; add-on items come after it)
  /** Every item, in Stripe's order: the first is the base product's, the rest may be add-ons (ADR 019). */
  items: { id: string; priceId: string; quantity: number }[];
  currentPeriodStart: number | null; // epoch ms
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: number | null;
  canceledAt: number | null;
  endedAt: number | null;
  metadata: Record<string, string>;
};

export type CheckoutSnapshot = {
  id: string;
  status: "open" | "complete" | "expired";
  paymentStatus: "paid" | "unpaid" | "no_payment_required";
  mode: "subscription" | "payment" | "setup";
  customerId: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  paymentMethodId: string | null; // the payment intent's payment method, when expanded
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  expiresAt: number | null;
};

export type ChargeSnapshot = {
  id: string;
  paymentIntentId: string | null;
  amount: number;
  amountRefunded: number;
  refunded: boolean;
};

/** The Stripe event fields the domain relies on (validated at the edge). */
export type BillingEvent = {
  id: string;
  type: string;
  created: number; // epoch ms
  objectId: string | null;
  customerId: string | null;
  subscriptionId: string | null; // for invoice events: the invoice's subscription
  payload: string;
};

/** A new Checkout session: a hosted one has the url to send the buyer to, an embedded one the client secret Stripe.js mounts. */
export type CheckoutSessionOpened = { id: string; expiresAt: number | null } & (
  { mode: "hosted"; url: string } | { mode: "embedded"; clientSecret: string }
);

/** A customer's cards as Stripe has them now: the invoice default (if any) and every attached one, newest first. */
export type CustomerPaymentMethods = { defaultPaymentMethodId: string | null; paymentMethodIds: string[] };

/**
 * How a resume attempt ended. `resumed`: Stripe reports the subscription live again (access still
 * follows its events); `not_paused`: nothing to do; `payment_failed`: the resumption invoice was not
 * paid, so the subscription stays paused.
 */
export type ResumeOutcome =
  | { result: "resumed" | "not_paused"; status: SubscriptionStatus }
  | { result: "payment_failed"; status: SubscriptionStatus; message: string };

/** What the domain needs from Stripe; infra/stripe implements it with the official SDK. */
export interface BillingGateway {
  ensureCustomer(input: { idempotencyKey: string; email: string; name?: string; metadata: Record<string, string> }): Promise<string>;
  ensurePrice(input: {
    productKey: string;
    productName: string;
    productId: string;
    priceId: string;
    lookupKey: string;
    currency: string;
    unitAmount: number;
    interval: "month" | "year" | null;
    knownStripeProductId: string | null;
  }): Promise<{ stripeProductId: string; stripePriceId: string }>;
  /** The Stripe Entitlements Feature with this lookup key (found first, else created): its id. */
  ensureFeature(input: { lookupKey: string; name: string; idempotencyKey: string }): Promise<string>;
  /** Attaches the feature to the Stripe product (already attached: nothing to do); the product_feature id. */
  attachFeature(input: { stripeProductId: string; stripeFeatureId: string; idempotencyKey: string }): Promise<string>;
  /** Detaches the feature from the Stripe product (not attached: nothing to do). */
  detachFeature(input: { stripeProductId: string; stripeFeatureId: string }): Promise<void>;
  createCheckoutSession(input: {
    idempotencyKey: string;
    mode: "subscription" | "payment";
    customerId: string;
    stripePriceId: string;
    quantity: number;
    intentId: string;
    metadata: Record<string, string>;
    /** Hosted: Stripe's page, then success or cancel. Embedded: mounted on our page, then returnUrl. */
    ui: { mode: "hosted"; successUrl: string; cancelUrl: string } | { mode: "embedded"; returnUrl: string };
    expiresAt: number; // epoch ms
    /** The language of Stripe's page (our locales are all Stripe Checkout locales); none: Stripe's own choice. */
    locale?: "en" | "sv" | "fr";
  }): Promise<CheckoutSessionOpened>;
  retrieveCheckoutSession(id: string): Promise<CheckoutSnapshot>;
  expireCheckoutSession(id: string): Promise<CheckoutSnapshot>;
  retrieveSubscription(id: string): Promise<SubscriptionSnapshot>;
  createTrialSubscription(input: {
    idempotencyKey: string;
    customerId: string;
    stripePriceId: string;
    trialDays: number;
    defaultPaymentMethod: string | null;
    metadata: Record<string, string>;
  }): Promise<SubscriptionSnapshot>;
  retrieveCharge(id: string): Promise<ChargeSnapshot>;
  createPortalSession(input: { customerId: string; returnUrl: string }): Promise<{ url: string }>;
  /** Stripe's events created at or after `sinceMs`, oldest first, at most `limit`. */
  listEventsSince(input: { sinceMs: number; limit: number }): Promise<BillingEvent[]>;
  /** What changing the subscription's (first) item to `quantity` on `stripePriceId` would invoice. */
  previewSeatChange(input: SeatChangeInput): Promise<SeatChangePreview>;
  customerPaymentMethods(customerId: string): Promise<CustomerPaymentMethods>;
  /** Makes the card the customer's invoice default (what a resumption invoice is charged to). */
  setDefaultPaymentMethod(input: { idempotencyKey: string; customerId: string; paymentMethodId: string }): Promise<void>;
  /**
   * Resumes a paused subscription pay-first, charging `paymentMethodId`: the subscription stays
   * paused unless the resumption invoice is paid. A resumption invoice left open by an earlier
   * declined attempt is paid instead of making a second one.
   */
  resumeSubscription(input: { idempotencyKey: string; subscriptionId: string; paymentMethodId: string }): Promise<ResumeOutcome>;
  /** Changes the subscription's item price and quantity together; a declined charge changes nothing. */
  changeSeats(input: SeatChangeInput & { idempotencyKey: string }): Promise<SeatChangeOutcome>;
  /**
   * Adds an add-on item (quantity 1) to the subscription, pay first: the prorated difference is
   * invoiced at once and a declined charge leaves the subscription as it was (ADR 019).
   */
  addSubscriptionItem(input: { idempotencyKey: string; subscriptionId: string; stripePriceId: string }): Promise<SeatChangeOutcome>;
  /**
   * Removes the subscription's item at `stripePriceId` (an add-on), crediting the unused time on the
   * next invoice. `removed: false` when no such item is on the subscription (already gone).
   */
  removeSubscriptionItem(input: { idempotencyKey: string; subscriptionId: string; stripePriceId: string }): Promise<{ removed: boolean }>;
}

export type SeatChangeInput = {
  subscriptionId: string;
  stripePriceId: string;
  quantity: number;
  /** always_invoice charges the difference now; create_prorations credits it on the next invoice. */
  proration: "always_invoice" | "create_prorations";
  /** The moment the proration is computed for (epoch ms): the preview and the update share it, so they bill the same. */
  prorationDate: number;
};

export type SeatChangePreview = {
  currency: string;
  /** Due now (always_invoice) or on the next invoice (create_prorations), in minor units. */
  amountDue: number;
  /** The proration lines alone (negative for a credit). */
  prorationAmount: number;
  lines: { description: string; amount: number; proration: boolean }[];
};

export type SeatChangeOutcome = { ok: true } | { ok: false; reason: "card_declined" | "rejected"; message: string };
