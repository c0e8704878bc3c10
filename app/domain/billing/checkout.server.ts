import { type Locale } from "../../i18n/config";
import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { track } from "../analytics/track.server";
import { ensureStripePrice, loadPrice } from "../catalog/stripe-catalog.server";
import { isLive, LIVE_STATUSES } from "../entitlements/live";
import { AppError, conflict, forbidden, invalidInput, paymentProviderUnavailable, withValues } from "../errors";
import { safeText, strictInt } from "../input";
import { listManagedTenants } from "../tenants/memberships.server";
import { type BillingGateway, type CheckoutSessionOpened } from "./types";

export const StartCheckoutInput = z.object({
  priceId: z.string({ error: "priceId is required." }).min(1).max(100),
  quantity: strictInt({ min: 1, max: 10_000, label: "quantity" }).optional(),
  organizationName: safeText(z.string().trim().min(2, "Organisation name must be at least 2 characters.").max(80), {
    label: "Organisation name",
  }).optional(),
  tenantId: z.string().min(1).max(64).optional(),
  // Hosted: the buyer goes to Stripe's page. Embedded: Stripe's Checkout is mounted on ours.
  uiMode: z.enum(["hosted", "embedded"], { error: 'uiMode must be "hosted" or "embedded".' }).optional(),
});
export type StartCheckoutInput = z.infer<typeof StartCheckoutInput>;

/** What the buyer's browser needs next: the hosted page's url, or the client secret Stripe.js mounts. */
export type CheckoutStarted = { intentId: string } & ({ url: string } | { clientSecret: string });

// Stripe refuses expires_at under 30 minutes from the moment it creates the session; the
// margin covers the time between our clock reading and Stripe's (a slow or retried request).
const CHECKOUT_TTL_MS = 35 * 60 * 1000;

/**
 * Opens a Stripe Checkout for a signed-in buyer. Pay first: this writes only the purchase intent
 * (and remembers the Stripe customer); tenants, memberships and entitlements wait for the webhook.
 */
/** What a request hands startCheckout: its load context's database, Stripe gateway, app URL and clock. */
export type CheckoutContext = {
  db: Db;
  billing: () => BillingGateway;
  config: { APP_URL: string };
  now: () => number;
  locale: () => Promise<Locale>;
};

/** startCheckout for the page and the JSON API alike, its dependencies read from the request's context. */
export const startCheckoutFor = async (ctx: CheckoutContext, user: { id: string; email: string }, input: StartCheckoutInput) =>
  startCheckout({
    db: ctx.db,
    gateway: ctx.billing(),
    user,
    input,
    appUrl: ctx.config.APP_URL,
    locale: await ctx.locale(),
    now: ctx.now(),
  });

export async function startCheckout(deps: {
  db: Db;
  gateway: BillingGateway;
  user: { id: string; email: string };
  input: StartCheckoutInput;
  appUrl: string;
  /** The buyer's language: Stripe's Checkout page is shown in it. */
  locale?: Locale;
  now: number;
}): Promise<CheckoutStarted> {
  const { db, gateway, user, input } = deps;
  const price = await loadPrice(db, input.priceId);
  if (!price || !price.published || price.archived || !price.product.published) {
    throw invalidInput("That price is not on sale.", { priceId: ["That price is not on sale."] });
  }
  const quantity = input.quantity ?? (price.product.seatBased ? (price.minSeats ?? 1) : 1);
  if (price.product.seatBased) {
    const min = price.minSeats ?? 1;
    const max = price.maxSeats ?? 10_000;
    if (quantity < min || quantity > max) {
      const { message, i18n } = price.tier
        ? withValues("The {{tier}} tier covers {{min}} to {{max}} seats.", { tier: price.tier, min, max })
        : withValues("The selected tier covers {{min}} to {{max}} seats.", { min, max });
      throw new AppError({
        code: "invalid_input",
        status: 422,
        message,
        i18n,
        details: { fieldErrors: { quantity: ["Choose a number of seats this tier covers."] } },
      });
    }
  } else if (quantity !== 1) {
    throw invalidInput("This product is bought once.", { quantity: ["Quantity must be 1."] });
  }

  // An add-on is never a Checkout of its own: it is an item on the base product's subscription (ADR 019).
  if (price.product.baseProductId) await refuseAddonCheckout(db, { userId: user.id, input, addon: price.product, now: deps.now });
  const tenantId = await resolveTargetTenant(db, user.id, input);
  if (tenantId) await refuseDuplicatePurchase(db, tenantId, price.product, deps.now);
  const organizationName = tenantId ? null : input.organizationName!;

  const stripePriceId = await ensureStripePrice({ db, gateway, price });
  const customerId = tenantId ? await tenantCustomer(db, gateway, tenantId, user.email) : await buyerCustomer(db, gateway, user);

  const intentId = newId("int");
  const now = deps.now;
  await db.insert(schema.purchaseIntents).values({
    id: intentId,
    userId: user.id,
    tenantId,
    organizationName,
    productId: price.product.id,
    priceId: price.id,
    quantity,
    state: "created",
    stripeCustomerId: customerId,
    createdAt: now,
    updatedAt: now,
  });

  // Both modes return to the same page, which waits for the webhook: paying provisions nothing by itself.
  const returnUrl = `${deps.appUrl}/checkout/return?intent=${intentId}&session_id={CHECKOUT_SESSION_ID}`;
  const uiMode = input.uiMode ?? "hosted";
  let session: CheckoutSessionOpened;
  try {
    session = await gateway.createCheckoutSession({
      idempotencyKey: `checkout-${intentId}`,
      mode: price.product.kind === "subscription" ? "subscription" : "payment",
      customerId,
      stripePriceId,
      quantity,
      intentId,
      metadata: { intent_id: intentId, user_id: user.id, ...(tenantId ? { tenant_id: tenantId } : {}) },
      ui:
        uiMode === "hosted"
          ? { mode: "hosted", successUrl: returnUrl, cancelUrl: `${deps.appUrl}/checkout/cancel?intent=${intentId}` }
          : { mode: "embedded", returnUrl },
      expiresAt: now + CHECKOUT_TTL_MS,
      locale: deps.locale,
    });
  } catch (e) {
    await db
      .update(schema.purchaseIntents)
      .set({
        state: "failed",
        failureReason: `checkout session: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500),
        updatedAt: deps.now,
      })
      .where(eq(schema.purchaseIntents.id, intentId));
    throw paymentProviderUnavailable();
  }

  await db
    .update(schema.purchaseIntents)
    .set({ state: "checkout_open", stripeCheckoutSessionId: session.id, expiresAt: session.expiresAt, updatedAt: deps.now })
    .where(and(eq(schema.purchaseIntents.id, intentId), eq(schema.purchaseIntents.state, "created")));
  await track({
    db,
    name: "checkout_started",
    userId: user.id,
    tenantId,
    properties: { intentId, priceId: price.id, quantity, uiMode },
    now,
  });
  return session.mode === "hosted" ? { url: session.url, intentId } : { clientSecret: session.clientSecret, intentId };
}

/** What refusing an add-on's Checkout says: where an add-on is bought instead (the billing page of a live base subscription). */
export const addonCheckoutMessage = (addon: string, base: string, billingPath?: string) =>
  billingPath
    ? withValues("{{addon}} is an add-on of {{base}}: add it to your {{base}} subscription on the billing page, {{billingPath}}.", {
        addon,
        base,
        billingPath,
      })
    : withValues(
        "{{addon}} is an add-on of {{base}}: it needs a live {{base}} subscription first; owners and admins then add it on their organisation's billing page.",
        { addon, base },
      );

/**
 * Add-ons are items on the base product's live subscription, bought on the billing page (ADR 019):
 * a Checkout for one is refused with a 409 naming where to buy it, a live base subscription or none.
 */
async function refuseAddonCheckout(
  db: Db,
  deps: { userId: string; input: StartCheckoutInput; addon: { name: string; baseProductId: string | null }; now: number },
): Promise<never> {
  const base = await db
    .select({ id: schema.products.id, name: schema.products.name })
    .from(schema.products)
    .where(eq(schema.products.id, deps.addon.baseProductId ?? ""))
    .get();
  const baseName = base?.name ?? "its base product";
  const managed = (await listManagedTenants({ db, userId: deps.userId })).filter(
    (t) => !deps.input.tenantId || t.id === deps.input.tenantId,
  );
  const e = schema.tenantProductEntitlements;
  const live = managed.length
    ? (
        await db
          .select({ tenantId: e.tenantId, status: e.status, validFrom: e.validFrom, validUntil: e.validUntil, graceUntil: e.graceUntil })
          .from(e)
          .where(
            and(
              inArray(
                e.tenantId,
                managed.map((t) => t.id),
              ),
              eq(e.productId, base?.id ?? ""),
              inArray(e.source, ["stripe_subscription", "trial"]),
            ),
          )
          .all()
      ).find((row) => isLive(row, deps.now))
    : undefined;
  const tenant = live && managed.find((t) => t.id === live.tenantId);
  if (tenant) {
    throw conflict("addon_on_billing_page", addonCheckoutMessage(deps.addon.name, baseName, `/org/${tenant.slug}/billing`), {
      json: { billingUrl: `/org/${tenant.slug}/billing` },
    });
  }
  throw conflict("base_subscription_required", addonCheckoutMessage(deps.addon.name, baseName));
}

/** The tenant a purchase is for: the one named (if the buyer manages it), the buyer's only one, or a new one. */
async function resolveTargetTenant(db: Db, userId: string, input: StartCheckoutInput): Promise<string | null> {
  const managed = (await listManagedTenants({ db, userId })).map((t) => ({ tenantId: t.id }));
  if (input.tenantId) {
    if (!managed.some((m) => m.tenantId === input.tenantId)) {
      throw forbidden("Only an owner or admin of that organisation can buy for it.");
    }
    return input.tenantId;
  }
  if (input.organizationName) return null;
  if (managed.length === 1) return managed[0]!.tenantId;
  if (managed.length > 1) {
    throw invalidInput("Choose which organisation this purchase is for.", { tenantId: ["Choose an organisation."] });
  }
  throw invalidInput("Name the organisation this purchase creates.", {
    organizationName: ["Organisation name is required."],
  });
}

async function refuseDuplicatePurchase(db: Db, tenantId: string, product: { key: string; name: string; seatBased: boolean }, now: number) {
  const live = await db
    .select({ id: schema.tenantProductEntitlements.id })
    .from(schema.tenantProductEntitlements)
    .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
    .where(
      and(
        eq(schema.tenantProductEntitlements.tenantId, tenantId),
        eq(schema.products.key, product.key),
        // Not the access rule: a paid plan whose grace ran out still stands in Stripe (the owner
        // fixes its payment in the billing portal), so it blocks a second purchase as long as its
        // status is one Stripe still bills; only the dates (an ended plan) let a new one start.
        inArray(schema.tenantProductEntitlements.status, LIVE_STATUSES),
        or(isNull(schema.tenantProductEntitlements.validUntil), gt(schema.tenantProductEntitlements.validUntil, now)),
        inArray(schema.tenantProductEntitlements.source, ["stripe_subscription", "stripe_payment", "trial"]),
      ),
    )
    .get();
  if (live) {
    throw conflict(
      "already_purchased",
      product.seatBased
        ? withValues("This organisation already has a {{product}} subscription: change its seats on the billing page.", {
            product: product.name,
          })
        : "This organisation already has this product.",
    );
  }
}

// One Stripe customer per tenant, and one per buyer before they own a tenant. Concurrent clicks
// send the same Idempotency-Key, so Stripe returns the same customer to both.
async function tenantCustomer(db: Db, gateway: BillingGateway, tenantId: string, email: string): Promise<string> {
  const tenant = await db.select().from(schema.tenants).where(eq(schema.tenants.id, tenantId)).get();
  if (!tenant) throw forbidden("That organisation does not exist.");
  if (tenant.stripeCustomerId) return tenant.stripeCustomerId;
  const created = await gateway.ensureCustomer({
    idempotencyKey: `customer-tenant-${tenantId}`,
    email,
    name: tenant.name,
    metadata: { tenant_id: tenantId },
  });
  await db
    .update(schema.tenants)
    .set({ stripeCustomerId: created })
    .where(and(eq(schema.tenants.id, tenantId), isNull(schema.tenants.stripeCustomerId)));
  const stored = await db.select({ c: schema.tenants.stripeCustomerId }).from(schema.tenants).where(eq(schema.tenants.id, tenantId)).get();
  return stored?.c ?? created;
}

async function buyerCustomer(db: Db, gateway: BillingGateway, user: { id: string; email: string }): Promise<string> {
  const row = await db.select({ c: schema.users.stripeCustomerId }).from(schema.users).where(eq(schema.users.id, user.id)).get();
  if (row?.c) return row.c;
  const created = await gateway.ensureCustomer({
    idempotencyKey: `customer-user-${user.id}`,
    email: user.email,
    metadata: { user_id: user.id },
  });
  await db
    .update(schema.users)
    .set({ stripeCustomerId: created })
    .where(and(eq(schema.users.id, user.id), isNull(schema.users.stripeCustomerId)));
  const stored = await db.select({ c: schema.users.stripeCustomerId }).from(schema.users).where(eq(schema.users.id, user.id)).get();
  return stored?.c ?? created;
}
