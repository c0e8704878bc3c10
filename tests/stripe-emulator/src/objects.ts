// Builders for every Stripe object we return. Each starts from Stripe's fixture of
// the resource and overrides what we model; fixture example junk that would be
// misleading (fake ids, huge numbers) is replaced by honest nulls/empties.
import { randomId, type StripeObject } from "./store";
import { template } from "./templates";

export type Obj = StripeObject;
type Fields = Record<string, unknown>;

function build(resource: string, fields: Fields): Obj {
  const base = template(resource);
  // Only objects that have livemode in this API version get it (not refunds or subscription items).
  if ("livemode" in base) base.livemode = false;
  return { ...base, ...fields } as unknown as Obj;
}

export const API_VERSION = "2026-10-28.endive";

export function customerObj(f: Fields & { id: string; created: number }): Obj {
  return build("customer", {
    address: null,
    balance: 0,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: randomId("", 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
    customer_account: null,
    ...f,
  });
}

export function productObj(f: Fields & { id: string; created: number; name: string }): Obj {
  return build("product", {
    active: true,
    default_price: null,
    description: null,
    images: [],
    marketing_features: [],
    metadata: {},
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    unit_label: null,
    updated: f.created,
    url: null,
    type: "service",
    tax_details: { performance_location: null, tax_code: null },
    ...f,
  });
}

export function priceObj(f: Fields & { id: string; created: number; unit_amount: number }): Obj {
  return build("price", {
    active: true,
    billing_scheme: "per_unit",
    currency: "usd",
    custom_unit_amount: null,
    lookup_key: null,
    metadata: {},
    nickname: null,
    recurring: null,
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: "one_time",
    unit_amount_decimal: String(f.unit_amount),
    ...f,
  });
}

// Features, product features and active entitlements have no `created`: the store lists them
// newest first by insertion.
export function featureObj(f: Fields & { id: string; name: string; lookup_key: string }): Obj {
  return build("entitlements.feature", { active: true, metadata: {}, ...f });
}

/** A product's attachment of a feature; the feature is rendered as it is now (see productFeatureView). */
export function productFeatureObj(f: { id: string; _product: string; _feature: string }): Obj {
  return { id: f.id, object: "product_feature", livemode: false, _product: f._product, _feature: f._feature };
}

export function activeEntitlementObj(f: { id: string; feature: string; lookup_key: string; _customer: string }): Obj {
  return build("entitlements.active_entitlement", f);
}

export function planFromPrice(price: Obj): Fields {
  const rec = price.recurring as { interval: string; interval_count: number } | null;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: "per_unit",
    created: price.created,
    currency: price.currency,
    interval: rec?.interval ?? "month",
    interval_count: rec?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

export function subscriptionItemObj(f: Fields & { id: string; created: number; price: Obj; quantity: number; subscription: string }): Obj {
  return build("subscription_item", {
    discounts: [],
    metadata: {},
    tax_rates: [],
    plan: planFromPrice(f.price),
    billing_thresholds: null,
    current_trial: null,
    ...f,
  });
}

export function listObj(data: unknown[], url: string, hasMore = false): Fields {
  return { object: "list", data, has_more: hasMore, url };
}

export function subscriptionObj(f: Fields & { id: string; created: number; customer: string }): Obj {
  return build("subscription", {
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor_config: null,
    cancel_at: null,
    canceled_at: null,
    cancellation_details: cancellationDetails(null),
    collection_method: "charge_automatically",
    currency: "usd",
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    latest_invoice: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: trialSettings("create_invoice", null),
    trial_start: null,
    cancel_at_period_end: false,
    billing_thresholds: null,
    // This API version's default for new subscriptions (billing_mode is not a create param we model).
    billing_mode: { type: "flexible", flexible: { proration_discounts: "included" }, updated_at: f.created },
    customer_account: null,
    managed_payments: null,
    billing_schedules: [],
    ...f,
  });
}

export function cancellationDetails(reason: string | null): Fields {
  return { comment: null, feedback: null, feedback_option: null, reason };
}

export function trialSettings(missingPaymentMethod: string, billingCycleAnchor: string | null): Fields {
  return { end_behavior: { billing_cycle_anchor: billingCycleAnchor, missing_payment_method: missingPaymentMethod } };
}

export function invoiceLineObj(f: Fields & { id: string; invoice: string | null; amount: number; quantity: number; price: Obj }): Obj {
  const { price, ...rest } = f;
  return build("line_item", {
    currency: price.currency,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    metadata: {},
    subscription: null,
    pretax_credit_amounts: [],
    taxes: [],
    pricing: {
      price_details: { price: price.id, product: price.product },
      type: "price_details",
      unit_amount_decimal: price.unit_amount_decimal,
    },
    subtotal: f.amount,
    quantity_decimal: String(f.quantity),
    ...rest,
  });
}

export function invoiceObj(f: Fields & { id: string; created: number; customer: string }): Obj {
  // The fixture still carries the top-level subscription this version removed (it is in parent).
  const { subscription: _removed, ...invoice } = build("invoice", {
    account_country: "US",
    account_name: "Gatehouse (local Stripe emulator)",
    account_tax_ids: null,
    amount_paid: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
    collection_method: "charge_automatically",
    currency: "usd",
    custom_fields: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    test_clock: null,
    total_discount_amounts: [],
    webhooks_delivered_at: null,
    automatically_finalizes_at: null,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    amount_overpaid: 0,
    parent: null,
    customer_account: null,
    ...f,
  });
  return invoice as Obj;
}

export function invoiceItemObj(f: Fields & { id: string; customer: string; date: number; amount: number }): Obj {
  return build("invoiceitem", {
    discountable: false,
    discounts: [],
    invoice: null,
    metadata: {},
    net_amount: f.amount,
    tax_rates: [],
    customer_account: null,
    ...f,
  });
}

export function invoicePaymentObj(f: Fields & { id: string; created: number; invoice: string }): Obj {
  return build("invoice_payment", { is_default: true, status: "paid", ...f });
}

export function paymentMethodObj(
  f: Fields & { id: string; created: number; customer: string | null; email: string | null; last4: string },
): Obj {
  const { email, last4, ...rest } = f;
  const t = template("payment_method");
  const card = t.card as Fields;
  return build("payment_method", {
    allow_redisplay: "always",
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      ...card,
      last4,
      exp_month: 12,
      exp_year: 2034,
      fingerprint: `fp${last4}local`,
      generated_from: null,
      wallet: null,
      regulated_status: "unregulated",
    },
    metadata: {},
    type: "card",
    customer_account: null,
    ...rest,
  });
}

export function paymentIntentObj(f: Fields & { id: string; created: number; amount: number }): Obj {
  return build("payment_intent", {
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${f.id}_secret_${randomId("", 24)}`,
    confirmation_method: "automatic",
    currency: "usd",
    customer: null,
    description: null,
    last_payment_error: null,
    latest_charge: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
    source: null,
    excluded_payment_method_types: null,
    allowed_payment_method_types: null,
    payment_record: null,
    customer_account: null,
    managed_payments: null,
    ...f,
  });
}

export function chargeObj(f: Fields & { id: string; created: number; amount: number; last4: string }): Obj {
  const { last4, ...rest } = f;
  const t = template("charge");
  const pmd = t.payment_method_details as { card: Fields; type: string };
  return build("charge", {
    amount_captured: f.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: randomId("txn_"),
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: "GATEHOUSE",
    captured: true,
    currency: "usd",
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: "approved_by_network",
      reason: null,
      risk_level: "normal",
      seller_message: "Payment complete.",
      type: "authorized",
    },
    paid: true,
    payment_intent: null,
    payment_method: null,
    payment_method_details: {
      ...pmd,
      card: {
        ...pmd.card,
        last4,
        amount_authorized: f.amount,
        exp_month: 12,
        exp_year: 2034,
        overcapture: { maximum_amount_capturable: f.amount, status: "unavailable" },
        wallet: null,
        electronic_commerce_indicator: null,
      },
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: listObj([], `/v1/charges/${f.id}/refunds`),
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "succeeded",
    transfer_data: null,
    transfer_group: null,
    source: null,
    ...rest,
  });
}

export function refundObj(f: Fields & { id: string; created: number; amount: number; charge: string }): Obj {
  return build("refund", {
    balance_transaction: randomId("txn_"),
    currency: "usd",
    // The acquirer reference arrives days later in live mode; until then Stripe omits it.
    destination_details: {
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
      type: "card",
    },
    metadata: {},
    payment_intent: null,
    reason: null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
    customer: null,
    customer_account: null,
    payment_method: null,
    ...f,
  });
}

export function portalSessionObj(
  f: Fields & { id: string; created: number; customer: string; return_url: string | null; url: string },
): Obj {
  return build("billing_portal.session", {
    configuration: "bpc_local_default",
    flow: null,
    locale: null,
    on_behalf_of: null,
    customer_account: null,
    ...f,
  });
}

export function testClockObj(f: Fields & { id: string; created: number; frozen_time: number }): Obj {
  return build("test_helpers.test_clock", {
    deletes_after: f.created + 30 * 86400,
    name: null,
    status: "ready",
    status_details: {},
    ...f,
  });
}

export function checkoutItemObj(f: Fields & { id: string; price: Obj; quantity: number; description: string }): Obj {
  const amount = Number(f.price.unit_amount) * f.quantity;
  return build("item", {
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: f.price.currency,
    metadata: {},
    adjustable_quantity: null,
    ...f,
  });
}

export function checkoutSessionObj(f: Fields & { id: string; created: number; mode: string; url: string | null }): Obj {
  return build("checkout.session", {
    after_expiration: null,
    allow_promotion_codes: null,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    client_reference_id: null,
    client_secret: null,
    consent: null,
    consent_collection: null,
    currency: "usd",
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: null,
    customer_details: null,
    customer_email: null,
    invoice: null,
    invoice_creation: null,
    locale: null,
    metadata: {},
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    payment_status: "unpaid",
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    allowed_payment_method_types: null,
    adaptive_pricing: { enabled: false },
    discounts: [],
    collected_information: null,
    permissions: null,
    wallet_options: null,
    origin_context: null,
    currency_conversion: null,
    customer_account: null,
    integration_identifier: null,
    managed_payments: null,
    ...f,
  });
}

export function eventObj(f: {
  id: string;
  type: string;
  created: number;
  object: Obj;
  previous_attributes?: Fields;
  request: { id: string | null; idempotency_key: string | null };
}): Obj {
  const data: Fields = { object: f.object };
  if (f.previous_attributes) data.previous_attributes = f.previous_attributes;
  return {
    id: f.id,
    object: "event",
    api_version: API_VERSION,
    created: f.created,
    data,
    livemode: false,
    pending_webhooks: 1,
    request: f.request,
    type: f.type,
  };
}

/** Public view: strip our internal `_`-prefixed bookkeeping fields. */
export function publicView<T extends Fields>(obj: T): T {
  const out: Fields = {};
  for (const [k, v] of Object.entries(obj)) if (!k.startsWith("_")) out[k] = v;
  return out as T;
}

/** A hash Stripe narrows in previous_attributes: a plain object that is not a list. */
function isHash(v: unknown): v is Fields {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as Fields).object !== "list";
}

/**
 * Stripe's previous_attributes: the old values of the fields that changed. A nested hash
 * (metadata, cancellation_details, status_transitions) holds only its changed keys, at any
 * depth, a key it did not have as null; a list (items) or any other value is whole.
 */
export function diff(before: Fields, after: Fields): Fields {
  const prev: Fields = {};
  for (const k of Object.keys(after)) {
    if (k.startsWith("_")) continue;
    // A field the object did not have (an optional one, like status_details) is not a previous value.
    if (!(k in before)) continue;
    const was = before[k];
    const now = after[k];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    prev[k] = isHash(was) && isHash(now) ? nestedDiff(was, now) : (was ?? null);
  }
  return prev;
}

function nestedDiff(before: Fields, after: Fields): Fields {
  const prev: Fields = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[k];
    const now = after[k];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    prev[k] = isHash(was) && isHash(now) ? nestedDiff(was, now) : (was ?? null);
  }
  return prev;
}

export function setupIntentObj(
  f: Fields & { id: string; created: number; customer: string; payment_method: string | null; status: string },
): Obj {
  return build("setup_intent", {
    client_secret: `${f.id}_secret_${f.id.slice(5)}`,
    last_setup_error: null,
    next_action: null,
    latest_attempt: null,
    payment_method_configuration_details: null,
    payment_method_types: ["card"],
    usage: "off_session",
    allowed_payment_method_types: null,
    ...f,
  });
}
