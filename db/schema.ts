// The one source of the data model. Migrations in /migrations are generated from this file
// by drizzle-kit (`npm run db:generate`) and applied only by `wrangler d1 migrations apply`.
//
// Conventions: ids are prefixed random strings (usr_, ten_, ...); times are epoch milliseconds;
// booleans are 0/1 integers with a CHECK. Enumerations are CHECK-constrained so the database
// refuses a value the code does not know.
import { sql } from "drizzle-orm";
import { type AnySQLiteColumn, check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const bool = (name: string) => integer(name, { mode: "boolean" }).notNull().default(false);
const createdAt = () => integer("created_at").notNull();
const inList = (column: string, values: readonly string[]) => sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(", ")})`);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    isSystemAdmin: bool("is_system_admin"),
    // When the owner of `email` proved it by opening a link sent there; null = not proven.
    // Anything that hinges on owning the address (admin rights, invitations) waits for it.
    emailVerifiedAt: integer("email_verified_at"),
    // The buyer's Stripe customer before they own a tenant (one per buyer, never two).
    stripeCustomerId: text("stripe_customer_id"),
    // The language the user chose (en, sv, fr); null = follow the browser (ADR 022).
    locale: text("locale"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("users_email_unique").on(t.email),
    uniqueIndex("users_stripe_customer_unique").on(t.stripeCustomerId),
    check("users_email_lower", sql`${t.email} = lower(${t.email})`),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    // SHA-256 of the cookie token: a leaked table does not leak usable sessions.
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastSeenAt: integer("last_seen_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const TENANT_COMPLIANCE = ["ok", "over_limit"] as const;

export const tenants = sqliteTable(
  "tenants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    joinCode: text("join_code").notNull(),
    stripeCustomerId: text("stripe_customer_id"),
    complianceStatus: text("compliance_status", { enum: TENANT_COMPLIANCE }).notNull().default("ok"),
    proUploadsEnabled: bool("pro_uploads_enabled"),
    createdAt: createdAt(),
    createdBy: text("created_by").references(() => users.id),
  },
  (t) => [
    uniqueIndex("tenants_slug_unique").on(t.slug),
    uniqueIndex("tenants_join_code_unique").on(t.joinCode),
    uniqueIndex("tenants_stripe_customer_unique").on(t.stripeCustomerId),
    check("tenants_compliance_check", inList("compliance_status", TENANT_COMPLIANCE)),
  ],
);

export const MEMBERSHIP_ROLES = ["owner", "admin", "member"] as const;
export const MEMBERSHIP_STATUSES = ["pending", "active", "removed"] as const;

export const tenantMemberships = sqliteTable(
  "tenant_memberships",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: MEMBERSHIP_ROLES }).notNull(),
    status: text("status", { enum: MEMBERSHIP_STATUSES }).notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("tenant_memberships_tenant_user_unique").on(t.tenantId, t.userId),
    index("tenant_memberships_user_idx").on(t.userId),
    check("tenant_memberships_role_check", inList("role", MEMBERSHIP_ROLES)),
    check("tenant_memberships_status_check", inList("status", MEMBERSHIP_STATUSES)),
  ],
);

export const PRODUCT_KINDS = ["subscription", "one_time"] as const;

export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: text("kind", { enum: PRODUCT_KINDS }).notNull(),
    published: bool("published"),
    seatBased: bool("seat_based"),
    // An add-on is sold on top of this base product (an extra item on its subscription); null for base products.
    baseProductId: text("base_product_id").references((): AnySQLiteColumn => products.id),
    // The pricing page's button label; null = "Upgrade <name>" for a subscription, "Buy <name>" otherwise.
    ctaLabel: text("cta_label"),
    // The version of the product's feature set: every grant or removal of a feature bumps it, and its
    // audit row names the old and the new set (versioned like prices, ADR 018 amendment).
    featuresVersion: integer("features_version").notNull().default(1),
    // The name, description and button label in other languages, as JSON: {"sv": {"name": ..., "description": ...,
    // "ctaLabel": ...}, "fr": {...}}. A missing or empty field shows the English column (ADR 026).
    translations: text("translations").notNull().default("{}"),
    stripeProductId: text("stripe_product_id"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("products_key_unique").on(t.key),
    uniqueIndex("products_stripe_product_unique").on(t.stripeProductId),
    check("products_kind_check", inList("kind", PRODUCT_KINDS)),
  ],
);

export const PRICE_INTERVALS = ["month", "year"] as const;

// Prices are immutable: a change is a new row (and a new Stripe price); old rows are archived.
export const productPrices = sqliteTable(
  "product_prices",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    lookupKey: text("lookup_key").notNull(),
    stripePriceId: text("stripe_price_id"),
    currency: text("currency").notNull(),
    unitAmount: integer("unit_amount").notNull(),
    interval: text("interval", { enum: PRICE_INTERVALS }),
    tier: text("tier"),
    minSeats: integer("min_seats"),
    maxSeats: integer("max_seats"),
    // Days of access a one-time purchase grants; null = lifetime.
    accessDays: integer("access_days"),
    published: bool("published"),
    archived: bool("archived"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("product_prices_lookup_key_unique").on(t.lookupKey),
    uniqueIndex("product_prices_stripe_price_unique").on(t.stripePriceId),
    index("product_prices_product_idx").on(t.productId),
    check("product_prices_interval_check", sql`${t.interval} IS NULL OR ${inList("interval", PRICE_INTERVALS)}`),
    check("product_prices_amount_check", sql`${t.unitAmount} >= 0`),
    check("product_prices_currency_check", sql`length(${t.currency}) = 3 AND ${t.currency} = lower(${t.currency})`),
    check(
      "product_prices_seats_check",
      sql`(${t.minSeats} IS NULL OR ${t.minSeats} >= 1) AND (${t.maxSeats} IS NULL OR ${t.minSeats} IS NULL OR ${t.maxSeats} >= ${t.minSeats})`,
    ),
    check("product_prices_access_days_check", sql`${t.accessDays} IS NULL OR ${t.accessDays} > 0`),
  ],
);

export const FEATURE_KINDS = ["boolean", "limit"] as const;
// Who in a tenant holds a feature its entitlement grants: `user` features are used by a person
// (a seat where the product is seat-based, else any active member); `organization` features are
// organisation-level actions (an owner or admin, no seat needed).
export const FEATURE_SCOPES = ["user", "organization"] as const;

// What access is made of (ADR 017): products grant features, entitlements grant products, so a
// tenant's features follow its live entitlements. A feature's key is stable: gates name it.
export const features = sqliteTable(
  "features",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: text("kind", { enum: FEATURE_KINDS }).notNull(),
    scope: text("scope", { enum: FEATURE_SCOPES }).notNull(),
    // The name and description in other languages, as products.translations holds them (ADR 026).
    translations: text("translations").notNull().default("{}"),
    // When set, the catalog sync mirrors the feature to a Stripe Entitlements Feature with this lookup key.
    stripeLookupKey: text("stripe_lookup_key"),
    stripeFeatureId: text("stripe_feature_id"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("features_key_unique").on(t.key),
    uniqueIndex("features_stripe_lookup_key_unique").on(t.stripeLookupKey),
    check("features_kind_check", inList("kind", FEATURE_KINDS)),
    check("features_scope_check", inList("scope", FEATURE_SCOPES)),
    check("features_key_check", sql`${t.key} GLOB '[a-z]*' AND ${t.key} NOT GLOB '*[^a-z0-9._]*'`),
  ],
);

// A product grants a feature to every entitlement of it; a row with a price grants it only to
// entitlements bought at that price (tier differences). `limit_value` is the limit of a `limit`
// feature (the largest applies when several rows grant it) and NULL for a boolean one.
export const productFeatures = sqliteTable(
  "product_features",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    priceId: text("price_id").references(() => productPrices.id),
    featureId: text("feature_id")
      .notNull()
      .references(() => features.id),
    limitValue: integer("limit_value"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("product_features_product_unique")
      .on(t.productId, t.featureId)
      .where(sql`${t.priceId} IS NULL`),
    uniqueIndex("product_features_price_unique")
      .on(t.priceId, t.featureId)
      .where(sql`${t.priceId} IS NOT NULL`),
    index("product_features_feature_idx").on(t.featureId),
    check("product_features_limit_check", sql`${t.limitValue} IS NULL OR ${t.limitValue} >= 0`),
  ],
);

export const FEATURE_GRANT_STATUSES = ["active", "revoked"] as const;

// A system admin's free grant of one feature (not a whole product) to a tenant, for a period, with
// its reason (also in the audit row). Live while active and inside [valid_from, valid_until).
export const tenantFeatureGrants = sqliteTable(
  "tenant_feature_grants",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    featureId: text("feature_id")
      .notNull()
      .references(() => features.id),
    limitValue: integer("limit_value"),
    status: text("status", { enum: FEATURE_GRANT_STATUSES }).notNull(),
    validFrom: integer("valid_from").notNull(),
    validUntil: integer("valid_until").notNull(),
    reason: text("reason").notNull(),
    grantedBy: text("granted_by")
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("tenant_feature_grants_tenant_idx").on(t.tenantId),
    check("tenant_feature_grants_status_check", inList("status", FEATURE_GRANT_STATUSES)),
    check("tenant_feature_grants_period_check", sql`${t.validUntil} > ${t.validFrom}`),
    check("tenant_feature_grants_limit_check", sql`${t.limitValue} IS NULL OR ${t.limitValue} >= 0`),
  ],
);

// Trials as data: buying `price_id` also starts a `days`-day trial subscription at `trial_price_id`
// (a recurring price of another product) unless the tenant already subscribes to that product.
// The Accelerator's 30-day Organization trial is such a row.
export const priceTrials = sqliteTable(
  "price_trials",
  {
    id: text("id").primaryKey(),
    priceId: text("price_id")
      .notNull()
      .references(() => productPrices.id),
    trialPriceId: text("trial_price_id")
      .notNull()
      .references(() => productPrices.id),
    days: integer("days").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("price_trials_price_unique").on(t.priceId), check("price_trials_days_check", sql`${t.days} BETWEEN 1 AND 730`)],
);

// One row (id 1): the public catalog's version. Triggers (migration 0011) bump it on every write to
// products, prices, features, product features and price trials, so the edge-cached storefront
// (/pricing, /api/public/pricing) is keyed by it and an admin's change is visible at once.
export const catalogVersion = sqliteTable(
  "catalog_version",
  {
    id: integer("id").primaryKey(),
    version: integer("version").notNull(),
  },
  (t) => [check("catalog_version_single_row", sql`${t.id} = 1`)],
);

export const PURCHASE_INTENT_STATES = ["created", "checkout_open", "paid", "provisioned", "expired", "canceled", "failed"] as const;

export const purchaseIntents = sqliteTable(
  "purchase_intents",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    // Set when buying for an existing tenant; otherwise the tenant is created at provisioning.
    tenantId: text("tenant_id").references(() => tenants.id),
    organizationName: text("organization_name"),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    priceId: text("price_id")
      .notNull()
      .references(() => productPrices.id),
    quantity: integer("quantity").notNull(),
    state: text("state", { enum: PURCHASE_INTENT_STATES }).notNull(),
    stripeCustomerId: text("stripe_customer_id"),
    stripeCheckoutSessionId: text("stripe_checkout_session_id"),
    stripeSubscriptionId: text("stripe_subscription_id"),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    // The Stripe event that caused the last transition.
    lastEventId: text("last_event_id"),
    failureReason: text("failure_reason"),
    provisionedTenantId: text("provisioned_tenant_id").references(() => tenants.id),
    expiresAt: integer("expires_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("purchase_intents_checkout_session_unique").on(t.stripeCheckoutSessionId),
    index("purchase_intents_user_idx").on(t.userId),
    index("purchase_intents_state_idx").on(t.state),
    check("purchase_intents_state_check", inList("state", PURCHASE_INTENT_STATES)),
    check("purchase_intents_quantity_check", sql`${t.quantity} >= 1`),
  ],
);

export const SUBSCRIPTION_STATUSES = [
  "incomplete",
  "incomplete_expired",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "paused",
] as const;

export const subscriptions = sqliteTable(
  "subscriptions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    priceId: text("price_id").references(() => productPrices.id),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    stripeCustomerId: text("stripe_customer_id").notNull(),
    status: text("status", { enum: SUBSCRIPTION_STATUSES }).notNull(),
    quantity: integer("quantity").notNull(),
    currentPeriodStart: integer("current_period_start"),
    currentPeriodEnd: integer("current_period_end"),
    cancelAtPeriodEnd: bool("cancel_at_period_end"),
    trialEnd: integer("trial_end"),
    canceledAt: integer("canceled_at"),
    endedAt: integer("ended_at"),
    trialWillEndNotifiedAt: integer("trial_will_end_notified_at"),
    // When this row was copied from Stripe's current object: an older copy never overwrites a newer one.
    stripeSyncedAt: integer("stripe_synced_at"),
    // The table still holds last_event_created and last_event_id: nullable, dead since ADR 006
    // chose re-reading Stripe over event versions, and out of this object so that no query names
    // them. The next release drops them (ADR 013); until then `npm run db:generate` proposes that
    // drop, which must not ship in the same release as this change.
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("subscriptions_stripe_unique").on(t.stripeSubscriptionId),
    index("subscriptions_tenant_idx").on(t.tenantId),
    check("subscriptions_status_check", inList("status", SUBSCRIPTION_STATUSES)),
    check("subscriptions_quantity_check", sql`${t.quantity} >= 0`),
  ],
);

export const ENTITLEMENT_STATUSES = ["active", "trialing", "past_due", "paused", "canceled", "expired", "revoked"] as const;
export const ENTITLEMENT_SOURCES = ["stripe_subscription", "stripe_payment", "trial", "admin_grant"] as const;

// The single source of truth for access.
export const tenantProductEntitlements = sqliteTable(
  "tenant_product_entitlements",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    status: text("status", { enum: ENTITLEMENT_STATUSES }).notNull(),
    quantitySeats: integer("quantity_seats").notNull().default(0),
    source: text("source", { enum: ENTITLEMENT_SOURCES }).notNull(),
    // What the source names, by source: stripe_subscription and trial → the Stripe subscription id
    // (sub_…; a trial is the subscription Accelerator's checkout started); stripe_payment → the
    // Stripe payment intent id (pi_…); admin_grant → the grant's own id (grant_…, also in the audit
    // row's target). The entitlement's id is `ent_<source_ref>`.
    sourceRef: text("source_ref").notNull(),
    tier: text("tier"),
    // The price it is billed at (its price-level features: product_features rows with this price);
    // NULL for admin grants, and for subscriptions whose Stripe price is not in the catalog.
    priceId: text("price_id").references(() => productPrices.id),
    validFrom: integer("valid_from").notNull(),
    validUntil: integer("valid_until"),
    // Past-due access ends here (first failed payment + grace period).
    graceUntil: integer("grace_until"),
    stripeSyncedAt: integer("stripe_synced_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("entitlements_source_unique").on(t.source, t.sourceRef),
    index("entitlements_tenant_idx").on(t.tenantId, t.productId),
    check("entitlements_status_check", inList("status", ENTITLEMENT_STATUSES)),
    check("entitlements_source_check", inList("source", ENTITLEMENT_SOURCES)),
    check("entitlements_quantity_check", sql`${t.quantitySeats} >= 0`),
  ],
);

export const tenantEntitlementSeatAssignments = sqliteTable(
  "tenant_entitlement_seat_assignments",
  {
    id: text("id").primaryKey(),
    entitlementId: text("entitlement_id")
      .notNull()
      .references(() => tenantProductEntitlements.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    assignedBy: text("assigned_by"),
    assignedAt: integer("assigned_at").notNull(),
    releasedAt: integer("released_at"),
    releasedBy: text("released_by"),
  },
  (t) => [
    uniqueIndex("seat_assignments_active_unique")
      .on(t.entitlementId, t.userId)
      .where(sql`released_at IS NULL`),
    index("seat_assignments_user_idx").on(t.userId),
    index("seat_assignments_tenant_idx").on(t.tenantId),
  ],
);

// queued: verified and accepted, waiting for the queue's consumer (only an event too large for a
// queue message has a row before it is processed: ADR 020). failed: the consumer's last attempt
// failed, the queue retries it. dead_lettered: the queue gave up; an admin replays it.
export const WEBHOOK_EVENT_STATUSES = ["processed", "ignored", "failed", "queued", "dead_lettered"] as const;

// The Stripe event inbox, keyed by event id.
export const processedWebhookEvents = sqliteTable(
  "processed_webhook_events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    status: text("status", { enum: WEBHOOK_EVENT_STATUSES }).notNull(),
    stripeCreated: integer("stripe_created").notNull(),
    objectId: text("object_id"),
    tenantId: text("tenant_id"),
    attempts: integer("attempts").notNull().default(1),
    error: text("error"),
    payload: text("payload"),
    receivedAt: integer("received_at").notNull(),
    processedAt: integer("processed_at"),
    durationMs: integer("duration_ms"),
  },
  (t) => [
    index("webhook_events_status_idx").on(t.status, t.receivedAt),
    index("webhook_events_tenant_idx").on(t.tenantId),
    check("webhook_events_status_check", inList("status", WEBHOOK_EVENT_STATUSES)),
  ],
);

export const AUDIT_ACTOR_TYPES = ["user", "stripe_event", "scheduler", "system"] as const;

// Append-only: a trigger in the migrations refuses UPDATE and DELETE.
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actorType: text("actor_type", { enum: AUDIT_ACTOR_TYPES }).notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    tenantId: text("tenant_id"),
    targetType: text("target_type"),
    targetId: text("target_id"),
    before: text("before"),
    after: text("after"),
    reason: text("reason"),
  },
  (t) => [
    index("audit_log_tenant_idx").on(t.tenantId, t.at),
    index("audit_log_action_idx").on(t.action, t.at),
    check("audit_log_actor_check", inList("actor_type", AUDIT_ACTOR_TYPES)),
  ],
);

export const analyticsEvents = sqliteTable(
  "analytics_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    userId: text("user_id"),
    tenantId: text("tenant_id"),
    properties: text("properties"),
    at: integer("at").notNull(),
  },
  (t) => [index("analytics_events_name_idx").on(t.name, t.at)],
);

export const JOB_STATUSES = ["running", "succeeded", "failed", "skipped"] as const;

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
    leaseUntil: integer("lease_until"),
    counts: text("counts"),
    log: text("log"),
  },
  (t) => [index("jobs_type_idx").on(t.type, t.startedAt), check("jobs_status_check", inList("status", JOB_STATUSES))],
);

export const ROADMAP_COLUMNS = ["now", "next", "later"] as const;

export const roadmaps = sqliteTable(
  "roadmaps",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    title: text("title").notNull(),
    published: bool("published"),
    publishedAt: integer("published_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("roadmaps_tenant_unique").on(t.tenantId)],
);

export const roadmapItems = sqliteTable(
  "roadmap_items",
  {
    id: text("id").primaryKey(),
    roadmapId: text("roadmap_id")
      .notNull()
      .references(() => roadmaps.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    column: text("column", { enum: ROADMAP_COLUMNS }).notNull(),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("roadmap_items_roadmap_idx").on(t.roadmapId, t.column, t.position),
    check("roadmap_items_column_check", inList("column", ROADMAP_COLUMNS)),
  ],
);

// Accelerator course content, gated by the Accelerator entitlement.
export const courseModules = sqliteTable(
  "course_modules",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    position: integer("position").notNull(),
  },
  (t) => [uniqueIndex("course_modules_slug_unique").on(t.productId, t.slug)],
);

export const courseLessons = sqliteTable(
  "course_lessons",
  {
    id: text("id").primaryKey(),
    moduleId: text("module_id")
      .notNull()
      .references(() => courseModules.id),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    position: integer("position").notNull(),
  },
  (t) => [uniqueIndex("course_lessons_slug_unique").on(t.moduleId, t.slug)],
);

export const INVITATION_STATUSES = ["pending", "accepted", "revoked"] as const;
export const INVITATION_ROLES = ["admin", "member"] as const;

// An owner or admin invites an email address; whoever signs in with it sees and accepts it.
export const tenantInvitations = sqliteTable(
  "tenant_invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    email: text("email").notNull(),
    role: text("role", { enum: INVITATION_ROLES }).notNull(),
    status: text("status", { enum: INVITATION_STATUSES }).notNull(),
    invitedBy: text("invited_by").references(() => users.id),
    acceptedBy: text("accepted_by").references(() => users.id),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // One open invitation per address and tenant; accepted and revoked ones are history.
    uniqueIndex("tenant_invitations_pending_unique")
      .on(t.tenantId, t.email)
      .where(sql`status = 'pending'`),
    index("tenant_invitations_email_idx").on(t.email, t.status),
    check("tenant_invitations_email_lower", sql`${t.email} = lower(${t.email})`),
    check("tenant_invitations_role_check", inList("role", INVITATION_ROLES)),
    check("tenant_invitations_status_check", inList("status", INVITATION_STATUSES)),
  ],
);

// Entitled downloads (ADR 008): the software catalog. A software catalog belongs to the system
// (curated by system admins) or to one tenant (its Pro uploads). Files live in R2 under
// `download_key`; there is no public URL. The tables were `catalogs`, `applications` and `versions`
// until migration 0007 renamed them (ADR 013): "catalog" alone means the price catalog. SQLite's
// RENAME keeps CHECK constraint names, so those still read `catalogs_…` and `versions_…`.
export const SOFTWARE_CATALOG_OWNER_TYPES = ["system", "tenant"] as const;

export const softwareCatalogs = sqliteTable(
  "software_catalogs",
  {
    id: text("id").primaryKey(),
    ownerType: text("owner_type", { enum: SOFTWARE_CATALOG_OWNER_TYPES }).notNull(),
    // The tenant id for a tenant catalog; "system" for the one system catalog.
    ownerId: text("owner_id").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("software_catalogs_owner_unique").on(t.ownerType, t.ownerId),
    check("catalogs_owner_type_check", inList("owner_type", SOFTWARE_CATALOG_OWNER_TYPES)),
  ],
);

export const softwareApplications = sqliteTable(
  "software_applications",
  {
    id: text("id").primaryKey(),
    catalogId: text("catalog_id")
      .notNull()
      .references(() => softwareCatalogs.id),
    // Stable, URL-safe name: the version feed of a system application is feeds/<slug>.json in R2.
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    vendor: text("vendor").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("software_applications_catalog_slug_unique").on(t.catalogId, t.slug)],
);

export const SOFTWARE_VERSION_SOURCES = ["admin", "upload", "feed", "seed"] as const;

export const softwareVersions = sqliteTable(
  "software_versions",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id")
      .notNull()
      .references(() => softwareApplications.id),
    version: text("version").notNull(),
    downloadKey: text("download_key").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    fileName: text("file_name").notNull(),
    // The version that replaced this one; null = the application's latest.
    supersededBy: text("superseded_by"),
    source: text("source", { enum: SOFTWARE_VERSION_SOURCES }).notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [
    // A version string is published once per application (so a version+checksum pair is unique too);
    // this is what makes the feed job idempotent.
    uniqueIndex("software_versions_application_version_unique").on(t.applicationId, t.version),
    index("software_versions_latest_idx").on(t.applicationId, t.supersededBy),
    check("versions_sha256_check", sql`length(${t.sha256}) = 64 AND ${t.sha256} = lower(${t.sha256})`),
    check("versions_size_check", sql`${t.size} >= 0`),
    check("versions_source_check", inList("source", SOFTWARE_VERSION_SOURCES)),
  ],
);

// One client licence token per tenant, stored as its SHA-256: shown once to an owner/admin, rotatable.
export const clientLicenceTokens = sqliteTable(
  "client_licence_tokens",
  {
    tenantId: text("tenant_id")
      .primaryKey()
      .references(() => tenants.id),
    tokenHash: text("token_hash").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("client_licence_tokens_hash_unique").on(t.tokenHash)],
);

// Clients that checked in with a tenant's licence token: observed installs for licence compliance.
export const clientCheckins = sqliteTable(
  "client_checkins",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    clientId: text("client_id").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
  },
  (t) => [
    uniqueIndex("client_checkins_tenant_client_unique").on(t.tenantId, t.clientId),
    index("client_checkins_tenant_seen_idx").on(t.tenantId, t.lastSeenAt),
  ],
);

export const USER_TOKEN_PURPOSES = ["verify_email", "change_email", "reset_password"] as const;

// Single-use links sent by email. The id is the SHA-256 of the token in the link: the table never
// holds a usable token. `email` is the address the link was sent to (for change_email, the new one).
export const userTokens = sqliteTable(
  "user_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: USER_TOKEN_PURPOSES }).notNull(),
    email: text("email").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    // A random marker of the request that used the token: the other statements of that request's
    // batch are guarded on it, so two uses in the same millisecond cannot both act.
    usedBy: text("used_by"),
  },
  (t) => [
    index("user_tokens_user_idx").on(t.userId, t.purpose),
    check("user_tokens_purpose_check", inList("purpose", USER_TOKEN_PURPOSES)),
  ],
);

export const EMAIL_TEMPLATES = [
  "verify_email",
  "change_email",
  "email_changed",
  "reset_password",
  "invitation",
  "trial_ending",
  "payment_failed",
] as const;
export const EMAIL_STATUSES = ["pending", "sending", "sent", "failed"] as const;

// The transactional outbox: a row is written in the same batch as the change that causes it and
// delivered afterwards (docs/decisions/010-identity-and-email.md). A row is sent at most once:
// `sending` is claimed atomically, and a claim that outlives its lease is marked failed, not resent.
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    // Makes an email caused by a retried event or job idempotent (e.g. "<event id>:<user id>").
    dedupeKey: text("dedupe_key"),
    toAddress: text("to_address").notNull(),
    template: text("template", { enum: EMAIL_TEMPLATES }).notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body").notNull(),
    userId: text("user_id"),
    tenantId: text("tenant_id"),
    status: text("status", { enum: EMAIL_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseUntil: integer("lease_until"),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    // An admin's resend is a new row that names the one it repeats.
    resendOf: text("resend_of"),
    createdAt: createdAt(),
    sentAt: integer("sent_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("email_outbox_dedupe_unique").on(t.dedupeKey),
    index("email_outbox_due_idx").on(t.status, t.nextAttemptAt),
    index("email_outbox_created_idx").on(t.createdAt),
    check("email_outbox_template_check", inList("template", EMAIL_TEMPLATES)),
    check("email_outbox_status_check", inList("status", EMAIL_STATUSES)),
    check("email_outbox_attempts_check", sql`${t.attempts} >= 0`),
  ],
);
