import type Stripe from "stripe";
import { z } from "zod";
import { type BillingEvent, type ChargeSnapshot, type CheckoutSnapshot, type SubscriptionSnapshot } from "../../domain/billing/types";

// Stripe -> domain. Only the fields we rely on are read, and they are checked with zod so a
// surprising payload fails loudly here instead of half-way through provisioning.
const ms = (s: number | null | undefined) => (typeof s === "number" ? s * 1000 : null);
const idOf = (v: string | { id: string } | null | undefined) => (v == null ? null : typeof v === "string" ? v : v.id);

const Metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? {});

const SubscriptionFields = z.object({
  id: z.string(),
  customer: z.union([z.string(), z.object({ id: z.string() })]),
  status: z.enum(["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"]),
  cancel_at_period_end: z.boolean(),
  trial_end: z.number().nullable(),
  canceled_at: z.number().nullable(),
  ended_at: z.number().nullable(),
  metadata: Metadata,
  items: z.object({
    data: z.array(
      z.object({
        id: z.string(),
        quantity: z.number().int().nonnegative().optional(),
        price: z.object({ id: z.string() }),
        current_period_start: z.number().optional(),
        current_period_end: z.number().optional(),
      }),
    ),
  }),
});

export function toSubscriptionSnapshot(sub: Stripe.Subscription): SubscriptionSnapshot {
  const s = SubscriptionFields.parse(sub);
  const item = s.items.data[0];
  return {
    id: s.id,
    customerId: idOf(s.customer)!,
    status: s.status,
    quantity: item?.quantity ?? 0,
    priceId: item?.price.id ?? null,
    items: s.items.data.map((it) => ({ id: it.id, priceId: it.price.id, quantity: it.quantity ?? 0 })),
    currentPeriodStart: ms(item?.current_period_start),
    currentPeriodEnd: ms(item?.current_period_end),
    cancelAtPeriodEnd: s.cancel_at_period_end,
    trialEnd: ms(s.trial_end),
    canceledAt: ms(s.canceled_at),
    endedAt: ms(s.ended_at),
    metadata: s.metadata,
  };
}

const CheckoutFields = z.object({
  id: z.string(),
  status: z.enum(["open", "complete", "expired"]),
  payment_status: z.enum(["paid", "unpaid", "no_payment_required"]),
  mode: z.enum(["subscription", "payment", "setup"]),
  customer: z.union([z.string(), z.object({ id: z.string() })]).nullable(),
  subscription: z
    .union([z.string(), z.object({ id: z.string() })])
    .nullable()
    .optional(),
  payment_intent: z
    .union([z.string(), z.object({ id: z.string(), payment_method: z.union([z.string(), z.object({ id: z.string() })]).nullable() })])
    .nullable()
    .optional(),
  client_reference_id: z.string().nullable(),
  metadata: Metadata,
  expires_at: z.number().nullable().optional(),
});

export function toCheckoutSnapshot(session: Stripe.Checkout.Session): CheckoutSnapshot {
  const s = CheckoutFields.parse(session);
  const pi = s.payment_intent;
  return {
    id: s.id,
    status: s.status,
    paymentStatus: s.payment_status,
    mode: s.mode,
    customerId: idOf(s.customer),
    subscriptionId: idOf(s.subscription),
    paymentIntentId: idOf(pi),
    paymentMethodId: pi && typeof pi === "object" ? idOf(pi.payment_method) : null,
    clientReferenceId: s.client_reference_id,
    metadata: s.metadata,
    expiresAt: ms(s.expires_at),
  };
}

const ChargeFields = z.object({
  id: z.string(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullable(),
  amount: z.number(),
  amount_refunded: z.number(),
  refunded: z.boolean(),
});

export function toChargeSnapshot(charge: Stripe.Charge): ChargeSnapshot {
  const c = ChargeFields.parse(charge);
  return { id: c.id, paymentIntentId: idOf(c.payment_intent), amount: c.amount, amountRefunded: c.amount_refunded, refunded: c.refunded };
}

const EventFields = z.object({
  id: z.string().startsWith("evt_"),
  type: z.string().min(1),
  created: z.number(),
  data: z.object({
    object: z.object({
      id: z.string().optional(),
      object: z.string().optional(),
      customer: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
      subscription: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
      parent: z
        .object({
          subscription_details: z.object({ subscription: z.union([z.string(), z.object({ id: z.string() })]).nullish() }).nullish(),
        })
        .nullish(),
    }),
    // Only these fields are read here; the handlers read the verified payload itself. Stripping the
    // rest (rather than copying every field through) keeps the webhook's own work small (issue 18).
  }),
});

export function toBillingEvent(event: Stripe.Event, payload: string): BillingEvent {
  const e = EventFields.parse(event);
  const o = e.data.object;
  const customerId = o.object === "customer" ? (o.id ?? null) : idOf(o.customer);
  // Invoices, invoice items and lines name their subscription in parent (the top-level
  // invoice.subscription is gone from this API version); a checkout session still has one.
  const subscriptionId =
    o.object === "subscription"
      ? (o.id ?? null)
      : o.object === "checkout.session"
        ? idOf(o.subscription)
        : idOf(o.parent?.subscription_details?.subscription);
  return { id: e.id, type: e.type, created: e.created * 1000, objectId: o.id ?? null, customerId, subscriptionId, payload };
}

/** A payload stored in the inbox (verified when it arrived) back into the domain's event shape. */
export function parseStoredEvent(payload: string): BillingEvent {
  return toBillingEvent(JSON.parse(payload) as Stripe.Event, payload);
}
