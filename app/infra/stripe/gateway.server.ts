import Stripe from "stripe";
import { type BillingEvent, type BillingGateway } from "../../domain/billing/types";
import { paymentProviderRejected, paymentProviderUnavailable } from "../../domain/errors";
import { toBillingEvent, toChargeSnapshot, toCheckoutSnapshot, toSubscriptionSnapshot } from "./mappers.server";

// The official SDK behind the domain's BillingGateway. Every write carries an Idempotency-Key
// derived from our own ids, so a retry (ours or the SDK's) never creates a second object.
// `client` is called on the first Stripe call, so a gateway nobody uses builds no SDK client.
export function createBillingGateway(client: () => Stripe): BillingGateway {
  let sdk: Stripe | undefined;
  const stripe = () => (sdk ??= client());
  return outagesAs502({
    async ensureCustomer({ idempotencyKey, email, name, metadata }) {
      const customer = await stripe().customers.create({ email, name, metadata }, { idempotencyKey });
      return customer.id;
    },

    async ensurePrice(p) {
      // Look the price up by lookup key first: the catalog may already exist in this Stripe account.
      const existing = await stripe().prices.list({ lookup_keys: [p.lookupKey], active: true, limit: 1 });
      const found = existing.data[0];
      if (found) {
        const productId = typeof found.product === "string" ? found.product : found.product.id;
        return { stripeProductId: productId, stripePriceId: found.id };
      }
      const stripeProductId =
        p.knownStripeProductId ??
        (
          await stripe().products.create(
            { name: p.productName, metadata: { gatehouse_product_id: p.productId, gatehouse_product_key: p.productKey } },
            { idempotencyKey: `product-${p.productId}` },
          )
        ).id;
      const price = await stripe().prices.create(
        {
          product: stripeProductId,
          currency: p.currency,
          unit_amount: p.unitAmount,
          lookup_key: p.lookupKey,
          ...(p.interval ? { recurring: { interval: p.interval } } : {}),
          metadata: { gatehouse_price_id: p.priceId },
        },
        { idempotencyKey: `price-${p.priceId}` },
      );
      return { stripeProductId, stripePriceId: price.id };
    },

    // The Entitlements mirror of the catalog's features (access itself is decided from D1). Stripe
    // refusing one of these writes is a 502 naming its reason: the catalog then saves nothing.
    async ensureFeature({ lookupKey, name, idempotencyKey }) {
      return refusalAs502(async () => {
        // The feature may already exist in this Stripe account (created by hand, or a retry after D1 failed).
        const existing = await stripe().entitlements.features.list({ lookup_key: lookupKey, limit: 1 });
        const found = existing.data[0];
        if (found) return found.id;
        return (await stripe().entitlements.features.create({ lookup_key: lookupKey, name }, { idempotencyKey })).id;
      });
    },

    async attachFeature({ stripeProductId, stripeFeatureId, idempotencyKey }) {
      return refusalAs502(async () => {
        const found = await productFeatureOf(stripe(), stripeProductId, stripeFeatureId);
        if (found) return found.id;
        return (await stripe().products.createFeature(stripeProductId, { entitlement_feature: stripeFeatureId }, { idempotencyKey })).id;
      });
    },

    async detachFeature({ stripeProductId, stripeFeatureId }) {
      return refusalAs502(async () => {
        const found = await productFeatureOf(stripe(), stripeProductId, stripeFeatureId);
        if (found) await stripe().products.deleteFeature(stripeProductId, found.id);
      });
    },

    async createCheckoutSession(i) {
      const session = await stripe().checkout.sessions.create(
        {
          mode: i.mode,
          customer: i.customerId,
          line_items: [{ price: i.stripePriceId, quantity: i.quantity }],
          client_reference_id: i.intentId,
          metadata: i.metadata,
          // ui_mode values of the pinned API version (2026-10-28): older versions said hosted / embedded.
          ...(i.ui.mode === "hosted"
            ? { ui_mode: "hosted_page", success_url: i.ui.successUrl, cancel_url: i.ui.cancelUrl }
            : { ui_mode: "embedded_page", return_url: i.ui.returnUrl }),
          expires_at: Math.floor(i.expiresAt / 1000),
          ...(i.locale ? { locale: i.locale } : {}),
          ...(i.mode === "subscription"
            ? { subscription_data: { metadata: i.metadata } }
            : { payment_intent_data: { setup_future_usage: "off_session", metadata: i.metadata } }),
        },
        { idempotencyKey: `checkout-${i.intentId}` },
      );
      const expiresAt = session.expires_at ? session.expires_at * 1000 : null;
      if (i.ui.mode === "embedded") {
        if (!session.client_secret) throw new Error(`Stripe returned embedded checkout session ${session.id} without a client_secret`);
        return { mode: "embedded", id: session.id, clientSecret: session.client_secret, expiresAt };
      }
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);
      return { mode: "hosted", id: session.id, url: session.url, expiresAt };
    },

    async retrieveCheckoutSession(id) {
      return toCheckoutSnapshot(await stripe().checkout.sessions.retrieve(id, { expand: ["payment_intent"] }));
    },

    async expireCheckoutSession(id) {
      return toCheckoutSnapshot(await stripe().checkout.sessions.expire(id, {}, { idempotencyKey: `expire-${id}` }));
    },

    async retrieveSubscription(id) {
      return toSubscriptionSnapshot(await stripe().subscriptions.retrieve(id));
    },

    async createTrialSubscription(i) {
      const sub = await stripe().subscriptions.create(
        {
          customer: i.customerId,
          items: [{ price: i.stripePriceId, quantity: 1 }],
          trial_period_days: i.trialDays,
          // A trial that ends without a payment method pauses (status paused: access off, nothing removed) rather
          // than cancels, so adding a card and resuming brings the same subscription back.
          trial_settings: { end_behavior: { missing_payment_method: "pause" } },
          ...(i.defaultPaymentMethod ? { default_payment_method: i.defaultPaymentMethod } : {}),
          metadata: i.metadata,
        },
        { idempotencyKey: i.idempotencyKey },
      );
      return toSubscriptionSnapshot(sub);
    },

    async retrieveCharge(id) {
      return toChargeSnapshot(await stripe().charges.retrieve(id));
    },

    async listEventsSince({ sinceMs, limit }) {
      const events: BillingEvent[] = [];
      // Stripe lists newest first; collect the window, then process oldest first.
      for await (const event of stripe().events.list({ created: { gte: Math.floor(sinceMs / 1000) }, limit: 100 })) {
        events.push(toBillingEvent(event, JSON.stringify(event)));
        if (events.length >= limit) break;
      }
      return events.reverse();
    },

    async createPortalSession({ customerId, returnUrl }) {
      // Portal sessions are short-lived and read-only to create; no idempotency key needed.
      const session = await stripe().billingPortal.sessions.create({ customer: customerId, return_url: returnUrl });
      return { url: session.url };
    },

    async customerPaymentMethods(customerId) {
      const customer = await stripe().customers.retrieve(customerId);
      if (customer.deleted) return { defaultPaymentMethodId: null, paymentMethodIds: [] };
      const listed = await stripe().customers.listPaymentMethods(customerId, { limit: 100 });
      const defaultId = idOf(customer.invoice_settings.default_payment_method);
      const attached = [...listed.data].sort((a, b) => b.created - a.created).map((pm) => pm.id);
      // A default that is no longer attached cannot pay anything.
      return { defaultPaymentMethodId: defaultId && attached.includes(defaultId) ? defaultId : null, paymentMethodIds: attached };
    },

    async setDefaultPaymentMethod({ idempotencyKey, customerId, paymentMethodId }) {
      await stripe().customers.update(customerId, { invoice_settings: { default_payment_method: paymentMethodId } }, { idempotencyKey });
    },

    async resumeSubscription({ idempotencyKey, subscriptionId, paymentMethodId }) {
      const sub = await stripe().subscriptions.retrieve(subscriptionId, { expand: ["latest_invoice"] });
      if (sub.status !== "paused") return { result: "not_paused", status: toSubscriptionSnapshot(sub).status };
      // A subscription's own default payment method wins over the customer's: point it at the new card.
      const own = idOf(sub.default_payment_method);
      if (own && own !== paymentMethodId) {
        await stripe().subscriptions.update(
          subscriptionId,
          { default_payment_method: paymentMethodId },
          { idempotencyKey: `${idempotencyKey}-default` },
        );
      }
      const pending = typeof sub.latest_invoice === "object" && sub.latest_invoice?.status === "open" ? sub.latest_invoice : null;
      let declined: string | null = null;
      try {
        if (pending?.id) {
          // An earlier attempt's resumption invoice is still open: pay it (one invoice, never two).
          await stripe().invoices.pay(
            pending.id,
            { payment_method: paymentMethodId },
            { idempotencyKey: `${idempotencyKey}-pay-${pending.id}` },
          );
        } else {
          await stripe().subscriptions.resume(
            subscriptionId,
            // Pay first: resume_on_payment_success keeps the subscription paused (no access) until the
            // resumption invoice is paid; the default, resume_on_payment_attempt, would make it past_due,
            // which grants access during grace without a payment.
            { billing_cycle_anchor: { type: "now" }, payment_behavior: "resume_on_payment_success" },
            { idempotencyKey },
          );
        }
      } catch (e) {
        if (!(e instanceof Stripe.errors.StripeCardError)) throw e;
        declined = e.message;
      }
      const after = toSubscriptionSnapshot(await stripe().subscriptions.retrieve(subscriptionId));
      if (after.status === "paused") {
        return {
          result: "payment_failed",
          status: after.status,
          message: declined ?? "The payment for the resumed subscription did not go through.",
        };
      }
      return { result: "resumed", status: after.status };
    },

    async previewSeatChange(i) {
      const itemId = await firstItemId(stripe(), i.subscriptionId);
      const invoice = await stripe().invoices.createPreview({
        subscription: i.subscriptionId,
        subscription_details: {
          items: [{ id: itemId, price: i.stripePriceId, quantity: i.quantity }],
          proration_behavior: i.proration,
          proration_date: Math.floor(i.prorationDate / 1000),
        },
      });
      const lines = invoice.lines.data.map((l) => ({
        description: l.description ?? "",
        amount: l.amount,
        proration: Boolean(l.parent?.subscription_item_details?.proration),
      }));
      return {
        currency: invoice.currency,
        amountDue: invoice.amount_due,
        prorationAmount: lines.filter((l) => l.proration).reduce((n, l) => n + l.amount, 0),
        lines,
      };
    },

    async changeSeats(i) {
      const itemId = await firstItemId(stripe(), i.subscriptionId);
      try {
        await stripe().subscriptions.update(
          i.subscriptionId,
          {
            items: [{ id: itemId, price: i.stripePriceId, quantity: i.quantity }],
            proration_behavior: i.proration,
            proration_date: Math.floor(i.prorationDate / 1000),
            // Buying seats is paid first: a declined charge leaves the subscription as it was.
            ...(i.proration === "always_invoice" ? { payment_behavior: "error_if_incomplete" as const } : {}),
          },
          { idempotencyKey: i.idempotencyKey },
        );
        return { ok: true };
      } catch (e) {
        if (e instanceof Stripe.errors.StripeCardError) return { ok: false, reason: "card_declined", message: e.message };
        if (e instanceof Stripe.errors.StripeInvalidRequestError) return { ok: false, reason: "rejected", message: e.message };
        throw e;
      }
    },

    async addSubscriptionItem(i) {
      try {
        await stripe().subscriptions.update(
          i.subscriptionId,
          {
            items: [{ price: i.stripePriceId, quantity: 1 }],
            proration_behavior: "always_invoice",
            // Paid first: a declined proration charge leaves the subscription without the add-on.
            payment_behavior: "error_if_incomplete",
          },
          { idempotencyKey: i.idempotencyKey },
        );
        return { ok: true };
      } catch (e) {
        if (e instanceof Stripe.errors.StripeCardError) return { ok: false, reason: "card_declined", message: e.message };
        if (e instanceof Stripe.errors.StripeInvalidRequestError) return { ok: false, reason: "rejected", message: e.message };
        throw e;
      }
    },

    async removeSubscriptionItem(i) {
      const sub = await stripe().subscriptions.retrieve(i.subscriptionId);
      const item = sub.items.data.find((it) => it.price.id === i.stripePriceId);
      if (!item) return { removed: false };
      try {
        await stripe().subscriptions.update(
          i.subscriptionId,
          // The unused time is credited on the next invoice; nothing is charged.
          { items: [{ id: item.id, deleted: true }], proration_behavior: "create_prorations" },
          { idempotencyKey: i.idempotencyKey },
        );
      } catch (e) {
        // Removed by someone else between the read and the write: already gone.
        if (e instanceof Stripe.errors.StripeInvalidRequestError && e.code === "resource_missing") return { removed: false };
        throw e;
      }
      return { removed: true };
    },
  });
}

/** Stripe unreachable (network, after the SDK's retries) or failing on its side (5xx) is the 502 AppError. */
const isOutage = (e: unknown) =>
  e instanceof Stripe.errors.StripeConnectionError || (e instanceof Stripe.errors.StripeError && (e.statusCode ?? 0) >= 500);

// Every gateway method, so no caller can turn an outage into a 500 by forgetting a try/catch.
function outagesAs502(gateway: BillingGateway): BillingGateway {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(gateway) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = (...args: unknown[]) =>
      fn(...args).catch((e: unknown) => {
        if (isOutage(e)) throw paymentProviderUnavailable();
        throw e;
      });
  }
  return wrapped as unknown as BillingGateway;
}

/** A 4xx from Stripe on a catalog mirror write is the 502 naming Stripe's reason (outages are mapped by outagesAs502). */
async function refusalAs502<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Stripe.errors.StripeInvalidRequestError) throw paymentProviderRejected(e.message);
    throw e;
  }
}

async function productFeatureOf(stripe: Stripe, stripeProductId: string, stripeFeatureId: string) {
  for await (const pf of stripe.products.listFeatures(stripeProductId, { limit: 100 })) {
    if (pf.entitlement_feature.id === stripeFeatureId) return pf;
  }
  return null;
}

async function firstItemId(stripe: Stripe, subscriptionId: string): Promise<string> {
  const sub = await stripe.subscriptions.retrieve(subscriptionId);
  const item = sub.items.data[0];
  if (!item) throw new Error(`subscription ${subscriptionId} has no items`);
  return item.id;
}

const idOf = (v: string | { id: string } | null | undefined) => (v == null ? null : typeof v === "string" ? v : v.id);

export const isStripeError = (e: unknown): e is Stripe.errors.StripeError => e instanceof Stripe.errors.StripeError;
