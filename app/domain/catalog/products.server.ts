import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { type BillingGateway } from "../billing/types";
import { AppError, conflict, invalidInput } from "../errors";
import { attachStripeFeatures } from "./features.server";
import { safeText, strictInt } from "../input";

const Key = z
  .string({ error: "A key is required." })
  .trim()
  .regex(/^[a-z][a-z0-9_]{1,47}$/, "Use 2-48 lower-case letters, digits and underscores, starting with a letter.");

export const CreateProductInput = z.object({
  key: Key,
  name: safeText(z.string({ error: "A name is required." }).trim().min(2).max(80), { label: "Name" }),
  description: safeText(z.string().trim().max(500), { label: "Description", multiline: true }).default(""),
  kind: z.enum(["subscription", "one_time"], { error: "Pick subscription or one-time." }),
  seatBased: z
    .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
    .optional()
    .transform((v) => v === true || v === "on" || v === "true"),
  // An add-on (ADR 019) is sold on top of this base product's subscription; empty = a product of its own.
  baseProductId: z
    .string()
    .max(64)
    .optional()
    .transform((v) => v || null),
});

// An empty form field means "none"; anything else must be a whole number in range.
const optionalInt = (min: number, max: number, label: string) =>
  z.preprocess((v) => (v === "" ? null : v), strictInt({ min, max, label }).nullable()).default(null);

export const CreatePriceInput = z
  .object({
    productId: z.string().min(1).max(64),
    lookupKey: Key,
    currency: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{3}$/, "Use a 3-letter currency code."),
    unitAmount: strictInt({ min: 0, max: 100_000_000, label: "Amount (in cents)" }),
    interval: z
      .union([z.literal("").transform(() => null), z.enum(["month", "year"])])
      .nullable()
      .default(null),
    tier: z
      .string()
      .trim()
      .max(20)
      .optional()
      .transform((v) => v || null),
    minSeats: optionalInt(1, 10_000, "Minimum seats"),
    maxSeats: optionalInt(1, 10_000, "Maximum seats"),
    accessDays: optionalInt(1, 36_500, "Access days"),
  })
  .refine((p) => p.minSeats === null || p.maxSeats === null || p.minSeats <= p.maxSeats, {
    message: "The smallest seat count must not exceed the largest.",
    path: ["maxSeats"],
  });

export async function listCatalog(deps: { db: Db }) {
  const [products, prices] = await Promise.all([
    deps.db.select().from(schema.products).orderBy(asc(schema.products.createdAt)),
    deps.db.select().from(schema.productPrices).orderBy(asc(schema.productPrices.createdAt)),
  ]);
  return products.map((p) => ({ ...p, prices: prices.filter((x) => x.productId === p.id) }));
}

export async function createProduct(deps: { db: Db; adminId: string; input: z.infer<typeof CreateProductInput>; now: number }) {
  const { db, input, now } = deps;
  if (await db.select({ id: schema.products.id }).from(schema.products).where(eq(schema.products.key, input.key)).get()) {
    throw conflict("key_taken", "A product with that key exists.", { fieldErrors: { key: ["A product with that key exists."] } });
  }
  if (input.baseProductId) {
    const base = await db.select().from(schema.products).where(eq(schema.products.id, input.baseProductId)).get();
    // An add-on rides on its base product's subscription: both recurring, the base not itself an add-on.
    if (!base || base.kind !== "subscription" || base.baseProductId || input.kind !== "subscription") {
      throw invalidInput("An add-on is a subscription sold on top of a subscription product.", {
        baseProductId: ["Pick a subscription product that is not an add-on, and make the add-on a subscription."],
      });
    }
  }
  const id = newId("prd");
  // New products start unpublished: an admin publishes once its prices exist.
  await db.batch([
    db.insert(schema.products).values({
      id,
      key: input.key,
      name: input.name,
      description: input.description,
      kind: input.kind,
      seatBased: input.seatBased,
      baseProductId: input.baseProductId,
      published: false,
      createdAt: now,
    }),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "catalog.product_created",
      target: { type: "product", id },
      after: input,
      at: now,
    }),
  ]);
  return { id };
}

/** A new price, created in Stripe (same lookup key) before it is recorded: prices are never edited. */
export async function createPrice(deps: {
  db: Db;
  gateway: BillingGateway;
  adminId: string;
  input: z.infer<typeof CreatePriceInput>;
  now: number;
}) {
  const { db, input, now } = deps;
  const product = await db.select().from(schema.products).where(eq(schema.products.id, input.productId)).get();
  if (!product) throw new AppError({ code: "not_found", status: 404, message: "No such product." });
  if ((product.kind === "subscription") !== (input.interval !== null)) {
    throw invalidInput("Subscriptions need an interval; one-time products must not have one.", {
      interval: ["Subscriptions bill monthly or yearly; one-time products have no interval."],
    });
  }
  if (
    await db
      .select({ id: schema.productPrices.id })
      .from(schema.productPrices)
      .where(eq(schema.productPrices.lookupKey, input.lookupKey))
      .get()
  ) {
    throw conflict("lookup_key_taken", "A price with that lookup key exists.", {
      fieldErrors: { lookupKey: ["A price with that lookup key exists."] },
    });
  }
  const id = newId("prc");
  const stripe = await deps.gateway.ensurePrice({
    productKey: product.key,
    productName: product.name,
    productId: product.id,
    priceId: id,
    lookupKey: input.lookupKey,
    currency: input.currency,
    unitAmount: input.unitAmount,
    interval: input.interval,
    knownStripeProductId: product.stripeProductId,
  });
  // The product's first price created its Stripe product: the mirrored features it grants go there now.
  if (!product.stripeProductId) {
    await attachStripeFeatures({ db, gateway: deps.gateway, productId: product.id, stripeProductId: stripe.stripeProductId });
  }
  await db.batch([
    db.insert(schema.productPrices).values({
      id,
      productId: product.id,
      lookupKey: input.lookupKey,
      stripePriceId: stripe.stripePriceId,
      currency: input.currency,
      unitAmount: input.unitAmount,
      interval: input.interval,
      tier: input.tier,
      minSeats: input.minSeats,
      maxSeats: input.maxSeats,
      accessDays: input.accessDays,
      published: false,
      archived: false,
      createdAt: now,
    }),
    db.update(schema.products).set({ stripeProductId: stripe.stripeProductId }).where(eq(schema.products.id, product.id)),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: "catalog.price_created",
      target: { type: "price", id },
      after: { ...input, stripePriceId: stripe.stripePriceId },
      at: now,
    }),
  ]);
  return { id, stripePriceId: stripe.stripePriceId };
}

export async function setCatalogFlag(deps: {
  db: Db;
  adminId: string;
  target: "product" | "price";
  id: string;
  change: "publish" | "unpublish" | "archive";
  now: number;
}) {
  const { db } = deps;
  if (deps.target === "product") {
    if (deps.change === "archive") throw invalidInput("Products are unpublished, not archived.", {});
    const p = await db.select().from(schema.products).where(eq(schema.products.id, deps.id)).get();
    if (!p) throw new AppError({ code: "not_found", status: 404, message: "No such product." });
    const published = deps.change === "publish";
    if (p.published === published) return;
    await db.batch([
      db.update(schema.products).set({ published }).where(eq(schema.products.id, p.id)),
      auditInsert(db, {
        actor: { type: "user", id: deps.adminId },
        action: `catalog.product_${deps.change}ed`,
        target: { type: "product", id: p.id },
        before: { published: p.published },
        after: { published },
        at: deps.now,
      }),
    ]);
    return;
  }
  const price = await db.select().from(schema.productPrices).where(eq(schema.productPrices.id, deps.id)).get();
  if (!price) throw new AppError({ code: "not_found", status: 404, message: "No such price." });
  if (price.archived) throw conflict("archived", "An archived price stays archived; create a new price instead.");
  const set = deps.change === "archive" ? { archived: true, published: false } : { published: deps.change === "publish" };
  await db.batch([
    db.update(schema.productPrices).set(set).where(eq(schema.productPrices.id, price.id)),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: deps.change === "archive" ? "catalog.price_archived" : `catalog.price_${deps.change}ed`,
      target: { type: "price", id: price.id },
      before: { published: price.published, archived: price.archived },
      after: { published: set.published, archived: "archived" in set ? true : price.archived },
      at: deps.now,
    }),
  ]);
}
