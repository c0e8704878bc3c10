import { eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { outboxInsert } from "../email/outbox.server";
import { emails, type RenderedEmail } from "../email/templates";
import { type Locale, recipientLocale } from "../../i18n/config";
import { graceUntilFor } from "../entitlements/from-subscription";
import { entitlementIdFor, type Statement } from "./sync.server";
import { type BillingEvent, type SubscriptionSnapshot } from "./types";
import { activeOwnerOf } from "../tenants/memberships.server";

/**
 * The emails a subscription event owes the tenant's owners, as outbox rows for the event's own
 * batch: "your trial ends soon" and "a payment failed; access ends on <date>". Each is keyed by
 * event and owner, so a redelivered event writes nothing twice. Stripe's current subscription
 * decides, not the event's copy: a trial already converted, or a payment already recovered, owes no email.
 */
export async function billingNoticeStatements(deps: {
  db: Db;
  event: BillingEvent;
  tenantId: string;
  sub: SubscriptionSnapshot;
  graceDays: number;
  appUrl: string;
  now: number;
}): Promise<Statement[]> {
  const { db, event, sub } = deps;
  const trialEnding =
    event.type === "customer.subscription.trial_will_end" && sub.status === "trialing" && sub.trialEnd !== null && sub.trialEnd > deps.now;
  const paymentFailed = event.type === "invoice.payment_failed" && sub.status === "past_due";
  if (!trialEnding && !paymentFailed) return [];

  const tenant = await db.select({ name: schema.tenants.name }).from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get();
  const owners = await db
    .select({ id: schema.users.id, email: schema.users.email, locale: schema.users.locale })
    .from(schema.tenantMemberships)
    .innerJoin(schema.users, eq(schema.users.id, schema.tenantMemberships.userId))
    .where(activeOwnerOf(deps.tenantId));
  if (!tenant || owners.length === 0) return [];

  // Each owner reads it in their saved language (English when they chose none).
  let email: (locale: Locale) => RenderedEmail;
  if (trialEnding) {
    email = (locale) => emails.trialEnding({ appUrl: deps.appUrl, organisation: tenant.name, trialEnd: sub.trialEnd!, locale });
  } else {
    // The same grace the sync writes: from the earliest failed payment we know of.
    const existing = await db
      .select({ graceUntil: schema.tenantProductEntitlements.graceUntil })
      .from(schema.tenantProductEntitlements)
      .where(eq(schema.tenantProductEntitlements.id, entitlementIdFor(sub.id)))
      .get();
    const accessUntil = graceUntilFor({
      status: "past_due",
      existing: existing?.graceUntil ?? null,
      eventCreated: event.created,
      graceDays: deps.graceDays,
    });
    email = (locale) => emails.paymentFailed({ appUrl: deps.appUrl, organisation: tenant.name, accessUntil, locale });
  }
  return owners.map((o) =>
    outboxInsert(db, {
      to: o.email,
      email: email(recipientLocale(o.locale)),
      userId: o.id,
      tenantId: deps.tenantId,
      dedupeKey: `${event.id}:${o.id}`,
      now: deps.now,
    }),
  );
}
