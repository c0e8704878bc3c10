import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { AuditReason } from "../audit/reason";
import { ownerSeatStatements, type Statement } from "../billing/sync.server";
import { AppError, conflict, invalidInput } from "../errors";
import { strictInt } from "../input";
import { activeOwnerOf } from "../tenants/memberships.server";

const DateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use the date format YYYY-MM-DD.")
  .transform((d) => Date.parse(`${d}T23:59:59Z`))
  .refine((ms) => Number.isFinite(ms), "That is not a date.");

export const GrantInput = z.object({
  productKey: z.string({ error: "Choose a product." }).min(1).max(64),
  seats: strictInt({ min: 0, max: 10_000, label: "Seats" }).default(0),
  validUntil: z
    .union([z.literal("").transform(() => null), DateOnly])
    .nullable()
    .default(null),
  reason: AuditReason,
});

export const RevokeInput = z.object({
  reason: AuditReason,
  confirmStripe: z
    .union([z.literal("yes"), z.literal("true"), z.literal("on"), z.boolean()])
    .optional()
    .transform((v) => v === true || v === "yes" || v === "true" || v === "on"),
});

/**
 * A free licence from a system admin: an admin_grant entitlement (with the owner's seat when the
 * product is seat-based) and its audit row, in one batch. The grant id is the entitlement's reference.
 */
export async function grantEntitlement(deps: {
  db: Db;
  adminId: string;
  tenantId: string;
  input: z.infer<typeof GrantInput>;
  now: number;
}): Promise<{ entitlementId: string }> {
  const { db, input, now } = deps;
  const tenant = await db.select().from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get();
  if (!tenant) throw new AppError({ code: "not_found", status: 404, message: "No such tenant." });
  const product = await db.select().from(schema.products).where(eq(schema.products.key, input.productKey)).get();
  if (!product) throw invalidInput("No such product.", { productKey: ["No such product."] });
  if (product.seatBased && input.seats < 1) throw invalidInput("Give at least one seat.", { seats: ["Give at least one seat."] });
  if (!product.seatBased && input.seats !== 0)
    throw invalidInput("This product has no seats.", { seats: ["Leave seats at 0 for this product."] });
  if (input.validUntil !== null && input.validUntil <= now) {
    throw invalidInput("The end date must be in the future.", { validUntil: ["Pick a future date."] });
  }
  const grantRef = newId("grant");
  const entitlementId = `ent_${grantRef}`;
  const actor = { type: "user" as const, id: deps.adminId };
  const statements: Statement[] = [
    db.insert(schema.tenantProductEntitlements).values({
      id: entitlementId,
      tenantId: tenant.id,
      productId: product.id,
      status: "active",
      quantitySeats: input.seats,
      source: "admin_grant",
      sourceRef: grantRef,
      validFrom: now,
      validUntil: input.validUntil,
      createdAt: now,
      updatedAt: now,
    }),
    auditInsert(db, {
      actor,
      action: "entitlement.granted",
      tenantId: tenant.id,
      target: { type: "entitlement", id: entitlementId },
      after: { product: product.key, seats: input.seats, validUntil: input.validUntil, source: "admin_grant", grant: grantRef },
      reason: input.reason,
      at: now,
    }),
  ];
  if (product.seatBased) {
    const owner = await db
      .select({ userId: schema.tenantMemberships.userId })
      .from(schema.tenantMemberships)
      .where(activeOwnerOf(tenant.id))
      .get();
    if (owner) statements.push(...ownerSeatStatements(db, { entitlementId, tenantId: tenant.id, userId: owner.userId, actor, now }));
  }
  await db.batch(statements as [Statement, ...Statement[]]);
  return { entitlementId };
}

const STRIPE_SOURCES = new Set(["stripe_subscription", "stripe_payment", "trial"]);

/**
 * Revokes an entitlement at once. A Stripe-backed one needs explicit confirmation, because Stripe
 * keeps billing until the subscription is canceled there; later Stripe events do not undo the revoke.
 */
export async function revokeEntitlement(deps: {
  db: Db;
  adminId: string;
  entitlementId: string;
  input: z.infer<typeof RevokeInput>;
  now: number;
}): Promise<void> {
  const { db, now } = deps;
  const e = await db
    .select()
    .from(schema.tenantProductEntitlements)
    .where(eq(schema.tenantProductEntitlements.id, deps.entitlementId))
    .get();
  if (!e) throw new AppError({ code: "not_found", status: 404, message: "No such entitlement." });
  if (e.status === "revoked") throw conflict("already_revoked", "This entitlement is already revoked.");
  if (STRIPE_SOURCES.has(e.source) && !deps.input.confirmStripe) {
    throw conflict(
      "confirmation_required",
      "This entitlement is paid through Stripe. Revoking it removes access now, but Stripe keeps billing the customer until the subscription is canceled or the payment refunded in Stripe. Confirm to revoke anyway.",
    );
  }
  await db.batch([
    db
      .update(schema.tenantProductEntitlements)
      .set({ status: "revoked", validUntil: now, updatedAt: now })
      .where(
        and(
          eq(schema.tenantProductEntitlements.id, e.id),
          inArray(
            schema.tenantProductEntitlements.status,
            schema.ENTITLEMENT_STATUSES.filter((st) => st !== "revoked"),
          ),
        ),
      ),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "entitlement.revoked",
      tenantId: e.tenantId,
      target: { type: "entitlement", id: e.id },
      before: { status: e.status, validUntil: e.validUntil },
      after: { status: "revoked", validUntil: now, stripeBillingContinues: STRIPE_SOURCES.has(e.source) },
      reason: deps.input.reason,
      at: now,
    }),
  ]);
}
