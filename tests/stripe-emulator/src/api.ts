// /v1 routes: parameter validation, list pagination, expansion, and the glue to Billing.
import { cardErrorFor, type Billing, type ItemInput } from "./billing";
import { badRequest, emptyParam, invalidParam, missingParam, resourceMissing, type StripeError } from "./errors";
import {
  activeEntitlementObj,
  checkoutItemObj,
  checkoutSessionObj,
  customerObj,
  diff,
  featureObj,
  listObj,
  portalSessionObj,
  priceObj,
  productFeatureObj,
  productObj,
  publicView,
  refundObj,
  subscriptionItemObj,
  subscriptionObj,
  testClockObj,
  type Obj,
} from "./objects";
import { type Params } from "./params";
import { randomId, text } from "./store";
import { ENDPOINTS, EXPANDABLE, type ExpandNode } from "./stripe-spec";
import { addInterval, realNow } from "./time";

export interface ApiContext {
  billing: Billing;
  origin: string;
  /** pending_webhooks for an event, computed from its delivery row. */
  pendingWebhooks: (eventId: string) => number;
  deliverySucceeded: (eventId: string) => boolean;
}

type Handler = (ctx: ApiContext, p: Params, args: string[]) => unknown;
interface Route {
  /** "POST /v1/customers/:id": the key of its entry in src/stripe-spec.ts. */
  key: string;
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const routes: Route[] = [];
function route(method: string, path: string, handler: Handler): void {
  const pattern = new RegExp(`^${path.replace(/:[a-z_]+/g, "([^/]+)")}$`);
  routes.push({ key: `${method} ${path}`, method, pattern, handler });
}

/** Every route's key, for the suite's check that src/stripe-spec.ts covers them all. */
export const routeKeys = (): string[] => routes.map((r) => r.key);

/** Stripe answers an unknown method on a known path with the same 404 as an unknown path. */
export function matchRoute(method: string, path: string): { key: string; handler: Handler; args: string[] } | null {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (m) return { key: r.key, handler: r.handler, args: m.slice(1).map(safeDecode) };
  }
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------- lists and expansion ----------

function paginate(p: Params, all: Obj[], url: string): Record<string, unknown> {
  // Every list that allows `created` filters on it here.
  const created = p.has("created") ? p.range("created") : undefined;
  const items = created ? all.filter((o) => inRange(Number(o.created), created)) : all;
  const limit = p.int("limit", 1, 100) ?? 10;
  const startingAfter = p.str("starting_after");
  const endingBefore = p.str("ending_before");
  let start = 0;
  let end = items.length;
  if (startingAfter) {
    const i = items.findIndex((o) => o.id === startingAfter);
    if (i === -1) throw resourceMissing("object", startingAfter, "starting_after");
    start = i + 1;
    end = items.length;
    const page = items.slice(start, start + limit);
    return listObj(page.map(publicView), url, start + limit < end);
  }
  if (endingBefore) {
    const i = items.findIndex((o) => o.id === endingBefore);
    if (i === -1) throw resourceMissing("object", endingBefore, "ending_before");
    const from = Math.max(0, i - limit);
    return listObj(items.slice(from, i).map(publicView), url, from > 0);
  }
  return listObj(items.slice(0, limit).map(publicView), url, items.length > limit);
}

const LIST_PARAMS = ["limit", "starting_after", "ending_before"];

const cannotExpand = (path: string, hint = ""): StripeError => badRequest(`This property cannot be expanded (${path}).${hint}`);

/**
 * Refuses, before anything runs, an expand[] path Stripe would refuse: every segment must exist
 * on the answer's object type (per the SDK's types) and the last one must be expandable; a list
 * answer's paths start with `data.`. Stripe's 400 has no code and no param.
 */
export function checkExpand(routeKey: string, paths: string[]): void {
  const spec = ENDPOINTS[routeKey];
  if (!spec) return;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > 4) throw invalidParam("expand", `You cannot expand more than 4 levels of a property. Property: ${path}`);
    let node: ExpandNode = { t: spec.returns };
    let i = 0;
    if (spec.list) {
      if (segments[0] !== "data") throw cannotExpand(path, ` You may want to try expanding 'data.${path}' instead.`);
      node = { t: spec.returns };
      i = 1;
      if (segments.length === 1) throw cannotExpand(path);
    }
    for (; i < segments.length; i++) {
      const segment = segments[i] as string;
      const fromType = node.t ? EXPANDABLE[node.t] : undefined;
      const next =
        (node.f && Object.hasOwn(node.f, segment) ? node.f[segment] : undefined) ??
        (fromType && Object.hasOwn(fromType, segment) ? fromType[segment] : undefined);
      if (!next) throw cannotExpand(segments.slice(0, i + 1).join("."));
      node = next;
    }
    if (!node.e) throw cannotExpand(path);
  }
}

/** Includable fields Stripe adds only when expanded, built from what the emulator holds. */
function includable(ctx: ApiContext, obj: Record<string, unknown>, field: string): unknown {
  if (field === "line_items" && obj.object === "checkout.session") return sessionLineItems(ctx, obj as Obj);
  if (field === "payments" && obj.object === "invoice") {
    const payments = ctx.billing.store.all("invoice_payment").filter((ip) => ip.invoice === obj.id);
    return listObj(payments.map(publicView), `/v1/invoice_payments?invoice=${String(obj.id)}`);
  }
  if (field === "subscriptions" && obj.object === "customer") {
    const subs = ctx.billing.store.all("subscription").filter((s) => s.customer === obj.id && s.status !== "canceled");
    return listObj(subs.map(publicView), `/v1/customers/${String(obj.id)}/subscriptions`);
  }
  return undefined;
}

function expandOne(ctx: ApiContext, value: unknown, path: string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.map((v) => expandOne(ctx, v, path));
  if (!value || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const [head, ...rest] = path as [string, ...string[]];
  let field = obj[head] ?? includable(ctx, obj, head);
  if (typeof field === "string") {
    const loaded = ctx.billing.store.get(field);
    if (loaded) field = publicView(loaded);
  }
  return { ...obj, [head]: expandOne(ctx, field, rest) };
}

function withExpand(ctx: ApiContext, p: Params, obj: unknown): unknown {
  // Expand first: line_items is built from internal fields that publicView strips.
  let out = obj;
  // The paths were checked before the handler ran (checkExpand).
  for (const e of p.expand()) out = expandOne(ctx, out, e.split("."));
  return out && typeof out === "object" ? publicView(out as Record<string, unknown>) : out;
}

function sessionLineItems(ctx: ApiContext, session: Obj): Record<string, unknown> {
  const items = (session._line_items as Obj[] | undefined) ?? [];
  return listObj(items, `/v1/checkout/sessions/${session.id}/line_items`);
}

const now = realNow;

function recurringOf(p: Params) {
  const r = p.obj("recurring");
  if (!r) return null;
  r.allowOnly("interval", "interval_count", "usage_type", "trial_period_days");
  const interval = r.oneOf("interval", ["day", "week", "month", "year"] as const);
  if (!interval) throw missingParam("recurring[interval]");
  return {
    interval,
    interval_count: r.int("interval_count", 1, 365) ?? 1,
    meter: null,
    usage_type: r.oneOf("usage_type", ["licensed"] as const) ?? "licensed",
    trial_period_days: r.int("trial_period_days", 0, 730) ?? null,
  };
}

// ---------- customers ----------

route("POST", "/v1/customers", (ctx, p) => {
  p.allow("email", "name", "description", "metadata", "phone", "test_clock", "payment_method", "invoice_settings");
  const clock = p.str("test_clock");
  if (clock) ctx.billing.load(clock, "test_helpers.test_clock", "test_clock");
  const created = clock ? Number(ctx.billing.load(clock).frozen_time) : now();
  const c = customerObj({
    id: randomId("cus_", 14),
    created,
    email: p.str("email") ?? null,
    name: p.str("name") ?? null,
    description: p.str("description") ?? null,
    phone: p.str("phone") ?? null,
    metadata: p.metadata() ?? {},
    test_clock: clock ?? null,
  });
  ctx.billing.store.put(c);
  const pmParam = p.str("payment_method");
  const settings = p.obj("invoice_settings");
  settings?.allowOnly("default_payment_method");
  ctx.billing.emit("customer.created", c);
  if (pmParam) {
    const pm = attachablePaymentMethod(ctx, pmParam, c, "payment_method");
    const before = structuredClone(c);
    if (settings?.str("default_payment_method") === pmParam)
      c.invoice_settings = { ...(c.invoice_settings as object), default_payment_method: pm.id };
    ctx.billing.update(before, c, "customer.updated");
  }
  return withExpand(ctx, p, c);
});

/** `pm_card_visa`-style test tokens become a fresh card on the customer. */
function attachablePaymentMethod(ctx: ApiContext, id: string, customer: Obj, param: string): Obj {
  if (id === "pm_card_visa" || id === "pm_card_chargeDeclined") {
    return ctx.billing.createPaymentMethod(
      customer.id,
      (customer.email as string | null) ?? null,
      ctx.billing.nowFor(customer.id),
      id !== "pm_card_visa",
    );
  }
  const pm = ctx.billing.load(id, "payment_method", param);
  if (pm.customer && pm.customer !== customer.id) throw badRequest("The payment method is attached to another customer.", param);
  pm.customer = customer.id;
  ctx.billing.store.put(pm);
  return pm;
}

route("GET", "/v1/customers/:id", (ctx, p, [id]) => {
  p.allow();
  const c = ctx.billing.store.get(id as string);
  if (c && c.object === "customer" && c.deleted === true) return { id: c.id, object: "customer", deleted: true };
  return withExpand(ctx, p, ctx.billing.load(id as string, "customer"));
});

route("POST", "/v1/customers/:id", (ctx, p, [id]) => {
  p.allow("email", "name", "description", "metadata", "phone", "invoice_settings");
  const c = ctx.billing.load(id as string, "customer");
  const before = structuredClone(c);
  if (p.has("email")) c.email = p.nullableStr("email") ?? null;
  if (p.has("name")) c.name = p.nullableStr("name") ?? null;
  if (p.has("description")) c.description = p.nullableStr("description") ?? null;
  if (p.has("phone")) c.phone = p.nullableStr("phone") ?? null;
  const md = p.metadata("metadata", c.metadata as Record<string, string>);
  if (md) c.metadata = md;
  const settings = p.obj("invoice_settings");
  if (settings) {
    settings.allowOnly("default_payment_method");
    if (settings.has("default_payment_method")) {
      const pmId = settings.nullableStr("default_payment_method") ?? null;
      if (pmId) {
        const pm = ctx.billing.load(pmId, "payment_method", "invoice_settings[default_payment_method]");
        if (pm.customer !== c.id)
          throw badRequest(
            `No such PaymentMethod: '${pmId}' attached to customer`,
            "invoice_settings[default_payment_method]",
            "resource_missing",
          );
      }
      c.invoice_settings = { ...(c.invoice_settings as object), default_payment_method: pmId };
    }
  }
  ctx.billing.update(before, c, "customer.updated");
  return withExpand(ctx, p, c);
});

route("DELETE", "/v1/customers/:id", (ctx, p, [id]) => {
  p.allow();
  const c = ctx.billing.load(id as string, "customer");
  deleteCustomer(ctx, c);
  return { id: c.id, object: "customer", deleted: true };
});

/** Cancels the customer's live subscriptions (customer.subscription.deleted each), then customer.deleted. */
function deleteCustomer(ctx: ApiContext, c: Obj): void {
  for (const sub of ctx.billing.store.all("subscription")) {
    if (sub.customer === c.id && !["canceled", "incomplete_expired"].includes(String(sub.status)))
      ctx.billing.cancelSubscription(sub, ctx.billing.nowFor(c.id));
  }
  ctx.billing.emit("customer.deleted", c);
  c.deleted = true;
  ctx.billing.store.put(c);
}

route("GET", "/v1/customers", (ctx, p) => {
  p.allow(...LIST_PARAMS, "email", "created", "test_clock");
  const email = p.str("email");
  const clock = p.str("test_clock");
  const created = p.range("created");
  const items = ctx.billing.store
    .all("customer")
    .filter((c) => c.deleted !== true)
    .filter((c) => email === undefined || c.email === email)
    .filter((c) => clock === undefined || c.test_clock === clock)
    .filter((c) => inRange(Number(c.created), created));
  return withExpand(ctx, p, paginate(p, items, "/v1/customers"));
});

function inRange(v: number, r: { gte?: number; gt?: number; lte?: number; lt?: number } | undefined): boolean {
  if (!r) return true;
  if (r.gte !== undefined && v < r.gte) return false;
  if (r.gt !== undefined && v <= r.gt) return false;
  if (r.lte !== undefined && v > r.lte) return false;
  if (r.lt !== undefined && v >= r.lt) return false;
  return true;
}

// ---------- products and prices ----------

route("POST", "/v1/products", (ctx, p) => {
  p.allow("name", "description", "metadata", "active", "id", "default_price_data", "unit_label", "url");
  const id = p.str("id") ?? randomId("prod_", 14);
  if (ctx.billing.store.get(id)) throw badRequest(`Product already exists.`, "id", "resource_already_exists");
  const product = productObj({
    id,
    created: now(),
    name: p.reqStr("name"),
    description: p.str("description") ?? null,
    active: p.bool("active") ?? true,
    metadata: p.metadata() ?? {},
    unit_label: p.str("unit_label") ?? null,
    url: p.str("url") ?? null,
  });
  const dpd = p.obj("default_price_data");
  if (dpd) {
    dpd.allowOnly("currency", "unit_amount", "recurring");
    const price = priceObj({
      id: randomId("price_"),
      created: now(),
      unit_amount: dpd.reqInt("unit_amount"),
      currency: dpd.reqStr("currency").toLowerCase(),
      product: id,
      recurring: recurringOf(dpd),
    });
    price.type = price.recurring ? "recurring" : "one_time";
    ctx.billing.store.put(price);
    product.default_price = price.id;
  }
  ctx.billing.store.put(product);
  ctx.billing.emit("product.created", product, { customer: null });
  return withExpand(ctx, p, product);
});

route("GET", "/v1/products/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "product"));
});

route("POST", "/v1/products/:id", (ctx, p, [id]) => {
  p.allow("name", "description", "metadata", "active", "default_price", "unit_label", "url");
  const product = ctx.billing.load(id as string, "product");
  const before = structuredClone(product);
  if (p.has("name")) product.name = p.reqStr("name");
  if (p.has("description")) product.description = p.nullableStr("description") ?? null;
  if (p.has("active")) product.active = p.bool("active");
  if (p.has("unit_label")) product.unit_label = p.nullableStr("unit_label") ?? null;
  if (p.has("url")) product.url = p.nullableStr("url") ?? null;
  if (p.has("default_price")) {
    const dp = p.nullableStr("default_price") ?? null;
    if (dp) ctx.billing.load(dp, "price", "default_price");
    product.default_price = dp;
  }
  const md = p.metadata("metadata", product.metadata as Record<string, string>);
  if (md) product.metadata = md;
  product.updated = now();
  ctx.billing.update(before, product, "product.updated");
  return withExpand(ctx, p, product);
});

route("GET", "/v1/products", (ctx, p) => {
  p.allow(...LIST_PARAMS, "active", "ids", "created");
  const active = p.bool("active");
  const ids = p.strList("ids");
  const items = ctx.billing.store
    .all("product")
    .filter((o) => active === undefined || o.active === active)
    .filter((o) => !ids || ids.includes(o.id));
  return withExpand(ctx, p, paginate(p, items, "/v1/products"));
});

route("POST", "/v1/prices", (ctx, p) => {
  p.allow(
    "currency",
    "unit_amount",
    "product",
    "product_data",
    "recurring",
    "lookup_key",
    "transfer_lookup_key",
    "metadata",
    "nickname",
    "active",
    "tax_behavior",
  );
  const currency = p.reqStr("currency").toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidParam("currency", `Invalid currency: ${currency}.`);
  const unitAmount = p.reqInt("unit_amount");
  let productId = p.str("product");
  const productData = p.obj("product_data");
  if (!productId && !productData) throw missingParam("product");
  if (productId) ctx.billing.load(productId, "product", "product");
  else if (productData) {
    productData.allowOnly("name", "metadata");
    const product = productObj({
      id: randomId("prod_", 14),
      created: now(),
      name: productData.reqStr("name"),
      metadata: productData.metadata() ?? {},
    });
    ctx.billing.store.put(product);
    productId = product.id;
  }
  const lookupKey = p.str("lookup_key") ?? null;
  if (lookupKey) {
    const clash = ctx.billing.store.all("price").find((pr) => pr.lookup_key === lookupKey);
    if (clash) {
      if (p.bool("transfer_lookup_key") !== true) throw badRequest(`A price (\`${clash.id}\`) already uses that lookup key.`, "lookup_key");
      clash.lookup_key = null;
      ctx.billing.store.put(clash);
    }
  }
  const recurring = recurringOf(p);
  const price = priceObj({
    id: randomId("price_"),
    created: now(),
    unit_amount: unitAmount,
    currency,
    product: productId,
    recurring,
    type: recurring ? "recurring" : "one_time",
    lookup_key: lookupKey,
    metadata: p.metadata() ?? {},
    nickname: p.str("nickname") ?? null,
    active: p.bool("active") ?? true,
    tax_behavior: p.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified",
  });
  ctx.billing.store.put(price);
  ctx.billing.emit("price.created", price, { customer: null });
  return withExpand(ctx, p, price);
});

route("GET", "/v1/prices/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "price"));
});

route("POST", "/v1/prices/:id", (ctx, p, [id]) => {
  p.allow("active", "metadata", "nickname", "lookup_key", "transfer_lookup_key", "tax_behavior");
  const price = ctx.billing.load(id as string, "price");
  const before = structuredClone(price);
  if (p.has("active")) price.active = p.bool("active");
  if (p.has("nickname")) price.nickname = p.nullableStr("nickname") ?? null;
  if (p.has("lookup_key")) {
    const lk = p.nullableStr("lookup_key") ?? null;
    if (lk) {
      const clash = ctx.billing.store.all("price").find((pr) => pr.lookup_key === lk && pr.id !== price.id);
      if (clash) {
        if (p.bool("transfer_lookup_key") !== true)
          throw badRequest(`A price (\`${clash.id}\`) already uses that lookup key.`, "lookup_key");
        clash.lookup_key = null;
        ctx.billing.store.put(clash);
      }
    }
    price.lookup_key = lk;
  }
  const md = p.metadata("metadata", price.metadata as Record<string, string>);
  if (md) price.metadata = md;
  ctx.billing.update(before, price, "price.updated");
  return withExpand(ctx, p, price);
});

route("GET", "/v1/prices", (ctx, p) => {
  p.allow(...LIST_PARAMS, "active", "product", "lookup_keys", "type", "currency", "created");
  const active = p.bool("active");
  const product = p.str("product");
  const lookupKeys = p.strList("lookup_keys");
  const type = p.oneOf("type", ["one_time", "recurring"] as const);
  const currency = p.str("currency");
  const items = ctx.billing.store
    .all("price")
    .filter((o) => active === undefined || o.active === active)
    .filter((o) => product === undefined || o.product === product)
    .filter((o) => !lookupKeys || lookupKeys.includes(String(o.lookup_key)))
    .filter((o) => type === undefined || o.type === type)
    .filter((o) => currency === undefined || o.currency === currency);
  return withExpand(ctx, p, paginate(p, items, "/v1/prices"));
});

// ---------- entitlements: features, product features, active entitlements ----------

const LOOKUP_KEY_MAX = 80;

function featureString(p: Params, key: "name" | "lookup_key", required: boolean): string | undefined {
  const v = required ? p.reqStr(key) : p.str(key);
  if (v === undefined) return undefined;
  if (v === "") throw emptyParam(key);
  if (v.length > LOOKUP_KEY_MAX) throw invalidParam(key, `Invalid string: ${key} is too long (max ${LOOKUP_KEY_MAX}).`);
  return v;
}

/** Stripe names a feature "feature" in its errors, not by its object type. */
function loadFeature(ctx: ApiContext, id: string, param = "id"): Obj {
  const f = ctx.billing.store.get(id);
  if (!f || f.object !== "entitlements.feature") throw resourceMissing("feature", id, param);
  return f;
}

route("POST", "/v1/entitlements/features", (ctx, p) => {
  p.allow("name", "lookup_key", "metadata");
  const name = featureString(p, "name", true) as string;
  const lookupKey = featureString(p, "lookup_key", true) as string;
  // A lookup key is unique among active features; an archived feature's key may be used again.
  if (ctx.billing.store.all("entitlements.feature").some((f) => f.active === true && f.lookup_key === lookupKey))
    throw badRequest(`A feature with lookup_key '${lookupKey}' already exists.`, "lookup_key");
  const feature = featureObj({ id: randomId("feat_test_"), name, lookup_key: lookupKey, metadata: p.metadata() ?? {} });
  ctx.billing.store.put(feature);
  return withExpand(ctx, p, feature);
});

route("GET", "/v1/entitlements/features/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, loadFeature(ctx, id as string));
});

route("POST", "/v1/entitlements/features/:id", (ctx, p, [id]) => {
  p.allow("name", "active", "metadata");
  const feature = loadFeature(ctx, id as string);
  // Archiving is permanent: an archived feature is neither edited nor unarchived.
  if (feature.active !== true) throw badRequest(`Feature ${feature.id} is archived and cannot be updated.`);
  const name = featureString(p, "name", false);
  if (name !== undefined) feature.name = name;
  const md = p.metadata("metadata", feature.metadata as Record<string, string>);
  if (md) feature.metadata = md;
  if (p.bool("active") === false) feature.active = false;
  ctx.billing.store.put(feature);
  return withExpand(ctx, p, feature);
});

route("GET", "/v1/entitlements/features", (ctx, p) => {
  p.allow(...LIST_PARAMS, "lookup_key", "archived");
  const lookupKey = p.str("lookup_key");
  // Archived features are listed only when asked for.
  const archived = p.bool("archived") ?? false;
  const items = ctx.billing.store
    .all("entitlements.feature")
    .filter((f) => f.active === !archived)
    .filter((f) => lookupKey === undefined || f.lookup_key === lookupKey);
  return withExpand(ctx, p, paginate(p, items, "/v1/entitlements/features"));
});

/** A product_feature as Stripe renders it: the attached feature in full, as it is now. */
function productFeatureView(ctx: ApiContext, pf: Obj): Obj {
  const feature = publicView(loadFeature(ctx, String(pf._feature)));
  return { id: pf.id, object: "product_feature", entitlement_feature: feature, livemode: false };
}

function productFeatureOf(ctx: ApiContext, productId: string, id: string): Obj {
  const pf = ctx.billing.store.get(id);
  if (!pf || pf.object !== "product_feature" || pf._product !== productId) throw resourceMissing("product_feature", id);
  return pf;
}

route("POST", "/v1/products/:id/features", (ctx, p, [id]) => {
  p.allow("entitlement_feature");
  const product = ctx.billing.load(id as string, "product");
  const featureId = p.reqStr("entitlement_feature");
  const feature = loadFeature(ctx, featureId, "entitlement_feature");
  if (feature.active !== true)
    throw badRequest(`Feature ${feature.id} is archived and cannot be attached to a product.`, "entitlement_feature");
  const attached = ctx.billing.store.all("product_feature").some((pf) => pf._product === product.id && pf._feature === feature.id);
  if (attached) throw badRequest(`Feature ${feature.id} is already attached to product ${product.id}.`, "entitlement_feature");
  const pf = productFeatureObj({ id: randomId("prodft_"), _product: product.id, _feature: feature.id });
  ctx.billing.store.put(pf);
  return withExpand(ctx, p, productFeatureView(ctx, pf));
});

route("GET", "/v1/products/:id/features", (ctx, p, [id]) => {
  p.allow(...LIST_PARAMS);
  const product = ctx.billing.load(id as string, "product");
  const items = ctx.billing.store
    .all("product_feature")
    .filter((pf) => pf._product === product.id)
    .map((pf) => productFeatureView(ctx, pf));
  return withExpand(ctx, p, paginate(p, items, `/v1/products/${product.id}/features`));
});

route("GET", "/v1/products/:id/features/:id", (ctx, p, [productId, id]) => {
  p.allow();
  const product = ctx.billing.load(productId as string, "product");
  return withExpand(ctx, p, productFeatureView(ctx, productFeatureOf(ctx, product.id, id as string)));
});

route("DELETE", "/v1/products/:id/features/:id", (ctx, p, [productId, id]) => {
  p.allow();
  const product = ctx.billing.load(productId as string, "product");
  const pf = productFeatureOf(ctx, product.id, id as string);
  ctx.billing.store.delete(pf.id);
  return { id: pf.id, object: "product_feature", deleted: true };
});

/** Subscriptions in these statuses entitle their customer to their products' features. */
const ENTITLING_STATUSES = new Set(["active", "trialing", "past_due"]);

/**
 * A customer's active entitlements: one per feature attached to a product of an item of one of
 * their entitling subscriptions, with an id that stays the same while the entitlement lasts.
 */
function activeEntitlements(ctx: ApiContext, customerId: string): Obj[] {
  const { store } = ctx.billing;
  const products = new Set<string>();
  for (const sub of store.all("subscription")) {
    if (sub.customer !== customerId || !ENTITLING_STATUSES.has(String(sub.status))) continue;
    for (const item of (sub.items as { data: { price: Obj }[] }).data) products.add(String(item.price.product));
  }
  const featureIds = new Set(
    store
      .all("product_feature")
      .filter((pf) => products.has(String(pf._product)))
      .map((pf) => String(pf._feature)),
  );
  const known = store.all("entitlements.active_entitlement").filter((e) => e._customer === customerId);
  const out: Obj[] = [];
  for (const featureId of featureIds) {
    const feature = store.get(featureId);
    if (!feature) continue;
    let ent = known.find((e) => e.feature === featureId);
    if (!ent) {
      ent = activeEntitlementObj({
        id: randomId("ent_test_"),
        feature: featureId,
        lookup_key: String(feature.lookup_key),
        _customer: customerId,
      });
      store.put(ent);
    }
    out.push(ent);
  }
  // An entitlement that ended is gone: a later one to the same feature gets a new id.
  for (const e of known) if (!featureIds.has(String(e.feature))) store.delete(e.id);
  return out;
}

route("GET", "/v1/entitlements/active_entitlements", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer");
  const customer = ctx.billing.load(p.reqStr("customer"), "customer", "customer");
  return withExpand(ctx, p, paginate(p, activeEntitlements(ctx, customer.id), "/v1/entitlements/active_entitlements"));
});

// ---------- checkout sessions ----------

route("POST", "/v1/checkout/sessions", (ctx, p) => {
  p.allow(
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "client_reference_id",
    "metadata",
    "customer",
    "customer_email",
    "subscription_data",
    "payment_intent_data",
    "expires_at",
    "allow_promotion_codes",
    "locale",
    "ui_mode",
    "return_url",
  );
  const mode = p.oneOf("mode", ["payment", "subscription", "setup"] as const);
  if (!mode) throw missingParam("mode");
  if (mode === "setup") throw badRequest("The local emulator does not support mode=setup.", "mode");
  const uiMode = p.oneOf("ui_mode", UI_MODES) ?? "hosted_page";
  if (uiMode !== "hosted_page" && uiMode !== "embedded_page")
    throw badRequest(`The local emulator does not support ui_mode=${uiMode}.`, "ui_mode");
  const { successUrl, cancelUrl, returnUrl } = checkoutUrls(p, uiMode);
  const lineInputs = p.list("line_items");
  if (!lineInputs || lineInputs.length === 0) throw missingParam("line_items");
  const customerId = p.str("customer");
  const customerEmail = p.str("customer_email");
  if (customerId && customerEmail)
    throw badRequest("You may only specify one of these parameters: customer, customer_email.", "customer_email");
  const customer = customerId ? ctx.billing.load(customerId, "customer", "customer") : null;
  const created = now();
  const expiresAt = p.int("expires_at", 0, 1e11) ?? created + 24 * 3600;
  // Stripe checks the bounds against its own clock at creation, with no slack.
  if (p.has("expires_at") && (expiresAt < created + 1800 || expiresAt > created + 24 * 3600))
    throw invalidParam("expires_at", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.");
  const id = randomId("cs_test_", 58);
  const lineItems: Obj[] = lineInputs.map((li, i) => {
    li.allowOnly("price", "quantity");
    const priceId = li.str("price");
    if (!priceId) throw missingParam(`line_items[${i}][price]`);
    const price = ctx.billing.priceOf(priceId, `line_items[${i}][price]`);
    if (price.active !== true) throw badRequest(`The price \`${priceId}\` is not active.`, `line_items[${i}][price]`);
    if (mode === "payment" && price.type === "recurring")
      throw badRequest("You must be in `subscription` mode to use recurring prices.", `line_items[${i}][price]`);
    const quantity = li.int("quantity", 1, 999999);
    if (quantity === undefined) throw missingParam(`line_items[${i}][quantity]`);
    return checkoutItemObj({ id: randomId("li_"), price: publicView(price), quantity, description: ctx.billing.productName(price) });
  });
  if (mode === "subscription" && !lineItems.some((li) => (li.price as Obj).type === "recurring"))
    throw badRequest("You must provide at least one recurring price in `subscription` mode.", "line_items");
  const currency = String((lineItems[0]?.price as Obj).currency);
  const subtotal = lineItems.reduce((s, li) => s + Number(li.amount_subtotal), 0);

  const sd = p.obj("subscription_data");
  let subscriptionData: Record<string, unknown> | null = null;
  if (sd) {
    if (mode !== "subscription") throw badRequest("subscription_data can only be used in subscription mode.", "subscription_data");
    sd.allowOnly("trial_period_days", "metadata", "trial_settings", "description", "trial_end");
    const ts = sd.obj("trial_settings");
    let missing: string | undefined;
    if (ts) {
      ts.allowOnly("end_behavior");
      const eb = ts.obj("end_behavior");
      eb?.allowOnly("missing_payment_method");
      missing = eb?.oneOf("missing_payment_method", ["cancel", "pause", "create_invoice"] as const);
    }
    subscriptionData = {
      trial_period_days: sd.int("trial_period_days", 1, 730) ?? null,
      trial_end: sd.int("trial_end", 0, 1e11) ?? null,
      metadata: sd.metadata() ?? {},
      missing_payment_method: missing ?? null,
      description: sd.str("description") ?? null,
    };
  }
  const pid = p.obj("payment_intent_data");
  let paymentIntentData: Record<string, unknown> | null = null;
  if (pid) {
    if (mode !== "payment") throw badRequest("payment_intent_data can only be used in payment mode.", "payment_intent_data");
    pid.allowOnly("setup_future_usage", "metadata", "description");
    paymentIntentData = {
      setup_future_usage: pid.oneOf("setup_future_usage", ["off_session", "on_session"] as const) ?? null,
      metadata: pid.metadata() ?? {},
      description: pid.str("description") ?? null,
    };
  }
  const trialing = subscriptionData && (subscriptionData.trial_period_days || subscriptionData.trial_end);
  const session = checkoutSessionObj({
    id,
    created,
    mode,
    ui_mode: uiMode,
    // An embedded session has no page of its own: Stripe.js mounts it with the client secret.
    url: uiMode === "hosted_page" ? `${ctx.origin}/c/pay/${id}` : null,
    success_url: successUrl,
    cancel_url: cancelUrl,
    ...(uiMode === "embedded_page"
      ? { return_url: returnUrl, redirect_on_completion: "always", client_secret: `${id}_secret_${randomId("", 24)}` }
      : {}),
    client_reference_id: p.str("client_reference_id") ?? null,
    metadata: p.metadata() ?? {},
    customer: customer?.id ?? null,
    customer_email: customerEmail ?? null,
    customer_creation: customer ? null : mode === "payment" ? "if_required" : "always",
    expires_at: expiresAt,
    currency,
    amount_subtotal: trialing ? 0 : subtotal,
    amount_total: trialing ? 0 : subtotal,
    locale: p.str("locale") ?? null,
    allow_promotion_codes: p.bool("allow_promotion_codes") ?? null,
    invoice_creation:
      mode === "payment"
        ? {
            enabled: false,
            invoice_data: {
              account_tax_ids: null,
              custom_fields: null,
              description: null,
              footer: null,
              issuer: null,
              metadata: {},
              rendering_options: null,
            },
          }
        : null,
    _line_items: lineItems,
    _subscription_data: subscriptionData,
    _payment_intent_data: paymentIntentData,
  });
  ctx.billing.store.put(session);
  return withExpand(ctx, p, session);
});

// Stripe's values at the pinned API version (2026-10-28): older versions said hosted / embedded.
const UI_MODES = ["hosted_page", "embedded_page", "elements", "form"] as const;

/**
 * Where Checkout sends the buyer: a hosted page needs success_url (cancel_url optional); an embedded
 * one needs return_url and refuses the other two. Stripe names every refused parameter at once.
 */
function checkoutUrls(p: Params, uiMode: "hosted_page" | "embedded_page") {
  const refused = (uiMode === "embedded_page" ? ["cancel_url", "success_url"] : ["return_url"]).filter((k) => p.has(k));
  if (refused.length > 0)
    throw badRequest(`The following parameters are not supported with 'ui_mode: ${uiMode}': ${refused.join(", ")}.`, refused[0]);
  if (uiMode === "embedded_page") {
    const returnUrl = p.str("return_url");
    if (!returnUrl) throw missingParam("return_url");
    return { successUrl: null, cancelUrl: null, returnUrl };
  }
  const successUrl = p.str("success_url");
  if (!successUrl) throw missingParam("success_url");
  return { successUrl, cancelUrl: p.str("cancel_url") ?? null, returnUrl: null };
}

function loadSession(ctx: ApiContext, id: string): Obj {
  const s = ctx.billing.load(id, "checkout.session");
  return expireIfDue(ctx, s);
}

/** Sessions past expires_at expire lazily on first touch, emitting the event then. */
export function expireIfDue(ctx: ApiContext, s: Obj): Obj {
  if (s.status === "open" && Number(s.expires_at) <= realNow()) {
    s.status = "expired";
    ctx.billing.store.put(s);
    ctx.billing.emit("checkout.session.expired", s, { customer: (s.customer as string | null) ?? null });
  }
  return s;
}

route("GET", "/v1/checkout/sessions/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, loadSession(ctx, id as string));
});

route("POST", "/v1/checkout/sessions/:id/expire", (ctx, p, [id]) => {
  p.allow();
  const s = loadSession(ctx, id as string);
  if (s.status !== "open")
    throw badRequest(
      `Only Checkout Sessions with a status of \`open\` can be expired. This Checkout Session has a status of \`${String(s.status)}\`.`,
    );
  s.status = "expired";
  s.url = null;
  ctx.billing.store.put(s);
  ctx.billing.emit("checkout.session.expired", s, { customer: (s.customer as string | null) ?? null });
  return withExpand(ctx, p, s);
});

route("GET", "/v1/checkout/sessions/:id/line_items", (ctx, p, [id]) => {
  p.allow(...LIST_PARAMS);
  const s = loadSession(ctx, id as string);
  return withExpand(ctx, p, paginate(p, (s._line_items as Obj[]) ?? [], `/v1/checkout/sessions/${s.id}/line_items`));
});

route("GET", "/v1/checkout/sessions", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer", "payment_intent", "subscription", "status", "created");
  const f = {
    customer: p.str("customer"),
    payment_intent: p.str("payment_intent"),
    subscription: p.str("subscription"),
    status: p.str("status"),
  };
  const items = ctx.billing.store.all("checkout.session").filter((s) => Object.entries(f).every(([k, v]) => v === undefined || s[k] === v));
  return withExpand(ctx, p, paginate(p, items, "/v1/checkout/sessions"));
});

// ---------- subscriptions ----------

function itemInputs(list: Params[] | undefined, forCreate: boolean): ItemInput[] | undefined {
  if (!list) return undefined;
  return list.map((it, i) => {
    it.allowOnly(...(forCreate ? ["price", "quantity", "metadata"] : ["id", "price", "quantity", "deleted", "metadata"]));
    if (forCreate && !it.str("price")) throw missingParam(`items[${i}][price]`);
    return {
      id: it.str("id"),
      price: it.str("price"),
      quantity: it.int("quantity", 0, 999999),
      deleted: it.bool("deleted"),
      metadata: it.metadata(),
    };
  });
}

// Stripe's payment_behavior values for subscription and subscription-item writes.
const PAYMENT_BEHAVIORS = ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"] as const;

route("POST", "/v1/subscriptions", (ctx, p) => {
  p.allow(
    "customer",
    "items",
    "trial_period_days",
    "trial_end",
    "trial_settings",
    "default_payment_method",
    "metadata",
    "payment_behavior",
    "description",
    "collection_method",
  );
  const customer = ctx.billing.load(p.reqStr("customer"), "customer", "customer");
  if (p.oneOf("collection_method", ["charge_automatically", "send_invoice"] as const) === "send_invoice")
    throw badRequest("The local Stripe emulator only supports collection_method=charge_automatically.", "collection_method");
  const items = itemInputs(p.list("items"), true);
  if (!items || items.length === 0) throw missingParam("items");
  const ts = p.obj("trial_settings");
  let missing: string | undefined;
  if (ts) {
    ts.allowOnly("end_behavior");
    const eb = ts.obj("end_behavior");
    if (!eb) throw missingParam("trial_settings[end_behavior]");
    eb.allowOnly("missing_payment_method");
    missing = eb.oneOf("missing_payment_method", ["cancel", "pause", "create_invoice"] as const);
    if (!missing) throw missingParam("trial_settings[end_behavior][missing_payment_method]");
  }
  const pmId = p.str("default_payment_method") ?? null;
  if (pmId) {
    const pm = ctx.billing.load(pmId, "payment_method", "default_payment_method");
    if (pm.customer !== customer.id) throw badRequest("The payment method must be attached to the customer.", "default_payment_method");
  }
  let trialEnd: number | undefined;
  const te = p.str("trial_end");
  if (te !== undefined) trialEnd = te === "now" ? undefined : p.int("trial_end", 0, 1e11);
  const sub = ctx.billing.createSubscription({
    customer,
    items: items.map((it, i) => ({
      price: ctx.billing.priceOf(it.price as string, `items[${i}][price]`),
      quantity: it.quantity ?? 1,
      metadata: it.metadata,
    })),
    trialPeriodDays: p.int("trial_period_days", 0, 730),
    trialEnd,
    missingPaymentMethod: missing,
    defaultPaymentMethod: pmId,
    metadata: p.metadata() ?? {},
    paymentBehavior: p.oneOf("payment_behavior", PAYMENT_BEHAVIORS),
    description: p.str("description") ?? null,
  });
  return withExpand(ctx, p, sub);
});

route("GET", "/v1/subscriptions/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "subscription"));
});

route("POST", "/v1/subscriptions/:id", (ctx, p, [id]) => {
  p.allow(
    "items",
    "proration_behavior",
    "proration_date",
    "cancel_at_period_end",
    "metadata",
    "default_payment_method",
    "description",
    "payment_behavior",
  );
  const sub = ctx.billing.load(id as string, "subscription");
  const pmId = p.has("default_payment_method") ? (p.nullableStr("default_payment_method") ?? null) : undefined;
  if (pmId) {
    const pm = ctx.billing.load(pmId, "payment_method", "default_payment_method");
    if (pm.customer !== sub.customer) throw badRequest("The payment method must be attached to the customer.", "default_payment_method");
  }
  ctx.billing.updateSubscription(sub, {
    items: itemInputs(p.list("items"), false),
    prorationBehavior: p.oneOf("proration_behavior", ["create_prorations", "none", "always_invoice"] as const),
    prorationDate: p.int("proration_date", 0, 1e11),
    cancelAtPeriodEnd: p.bool("cancel_at_period_end"),
    metadata: p.metadata("metadata", sub.metadata as Record<string, string>),
    defaultPaymentMethod: pmId,
    description: p.has("description") ? (p.nullableStr("description") ?? null) : undefined,
    paymentBehavior: p.oneOf("payment_behavior", PAYMENT_BEHAVIORS),
  });
  return withExpand(ctx, p, sub);
});

route("POST", "/v1/subscriptions/:id/resume", (ctx, p, [id]) => {
  p.allow("billing_cycle_anchor", "proration_behavior", "proration_date", "payment_behavior");
  const anchor = p.obj("billing_cycle_anchor");
  anchor?.allowOnly("type");
  const sub = ctx.billing.load(id as string, "subscription");
  ctx.billing.resumeSubscription(sub, {
    billingCycleAnchor: anchor ? anchor.oneOf("type", ["now", "unchanged"] as const) : undefined,
    prorationBehavior: p.oneOf("proration_behavior", ["always_invoice", "create_prorations", "none"] as const),
    prorationDate: p.int("proration_date", 0, 1e11),
    paymentBehavior: p.oneOf("payment_behavior", ["resume_on_payment_attempt", "resume_on_payment_success"] as const),
  });
  return withExpand(ctx, p, sub);
});

route("DELETE", "/v1/subscriptions/:id", (ctx, p, [id]) => {
  p.allow("cancellation_details");
  const details = p.obj("cancellation_details")?.allowOnly("comment", "feedback");
  const feedback = details?.oneOf("feedback", [
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
  ] as const);
  const sub = ctx.billing.load(id as string, "subscription");
  if (sub.status === "canceled") throw badRequest(`No such subscription: '${sub.id}'`, "id", "resource_missing");
  ctx.billing.cancelSubscription(sub, ctx.billing.nowFor(String(sub.customer)), "cancellation_requested", {
    ...(details?.has("comment") ? { comment: details.nullableStr("comment") ?? null } : {}),
    ...(feedback ? { feedback } : {}),
  });
  return withExpand(ctx, p, sub);
});

route("GET", "/v1/subscriptions", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer", "status", "price", "created", "test_clock");
  const customer = p.str("customer");
  const status = p.oneOf("status", [
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
  ] as const);
  const price = p.str("price");
  const clock = p.str("test_clock");
  const items = ctx.billing.store
    .all("subscription")
    .filter((s) => customer === undefined || s.customer === customer)
    .filter((s) => clock === undefined || s.test_clock === clock)
    .filter((s) =>
      status === "all"
        ? true
        : status === undefined
          ? s.status !== "canceled" && s.status !== "incomplete_expired"
          : status === "ended"
            ? s.status === "canceled"
            : s.status === status,
    )
    .filter((s) => price === undefined || (s.items as { data: Obj[] }).data.some((it) => (it.price as Obj).id === price));
  return withExpand(ctx, p, paginate(p, items, "/v1/subscriptions"));
});

// ---------- subscription items ----------

function subOfItem(ctx: ApiContext, itemId: string): { sub: Obj; item: Obj } {
  const stored = ctx.billing.load(itemId, "subscription_item");
  const sub = ctx.billing.load(String(stored.subscription), "subscription");
  const item = (sub.items as { data: Obj[] }).data.find((i) => i.id === itemId);
  if (!item) throw resourceMissing("subscription item", itemId);
  return { sub, item };
}

route("GET", "/v1/subscription_items/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, subOfItem(ctx, id as string).item);
});

route("POST", "/v1/subscription_items/:id", (ctx, p, [id]) => {
  p.allow("quantity", "price", "proration_behavior", "proration_date", "metadata", "payment_behavior");
  const { sub } = subOfItem(ctx, id as string);
  ctx.billing.updateSubscription(sub, {
    items: [{ id, price: p.str("price"), quantity: p.int("quantity", 0, 999999), metadata: p.metadata() }],
    prorationBehavior: p.oneOf("proration_behavior", ["create_prorations", "none", "always_invoice"] as const),
    prorationDate: p.int("proration_date", 0, 1e11),
    paymentBehavior: p.oneOf("payment_behavior", PAYMENT_BEHAVIORS),
  });
  return withExpand(ctx, p, subOfItem(ctx, id as string).item);
});

route("GET", "/v1/subscription_items", (ctx, p) => {
  p.allow(...LIST_PARAMS, "subscription");
  const sub = ctx.billing.load(p.reqStr("subscription"), "subscription", "subscription");
  return withExpand(ctx, p, paginate(p, (sub.items as { data: Obj[] }).data, `/v1/subscription_items`));
});

// ---------- invoices ----------

route("GET", "/v1/invoices/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "invoice"));
});

route("GET", "/v1/invoices/:id/lines", (ctx, p, [id]) => {
  p.allow(...LIST_PARAMS);
  const inv = ctx.billing.load(id as string, "invoice");
  return withExpand(ctx, p, paginate(p, (inv.lines as { data: Obj[] }).data, `/v1/invoices/${inv.id}/lines`));
});

route("GET", "/v1/invoices", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer", "subscription", "status", "created");
  const customer = p.str("customer");
  const subscription = p.str("subscription");
  const status = p.oneOf("status", ["draft", "open", "paid", "uncollectible", "void"] as const);
  const created = p.range("created");
  const items = ctx.billing.store
    .all("invoice")
    .filter((i) => inRange(Number(i.created), created))
    .filter((i) => customer === undefined || i.customer === customer)
    .filter(
      (i) =>
        subscription === undefined ||
        (i.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details?.subscription === subscription,
    )
    .filter((i) => status === undefined || i.status === status);
  return withExpand(ctx, p, paginate(p, items, "/v1/invoices"));
});

route("POST", "/v1/invoices/:id/pay", (ctx, p, [id]) => {
  p.allow("payment_method");
  const inv = ctx.billing.load(id as string, "invoice");
  const pm = p.str("payment_method") ?? null;
  if (pm) ctx.billing.load(pm, "payment_method", "payment_method");
  const paid = ctx.billing.retryInvoice(inv, ctx.billing.nowFor(String(inv.customer)), pm);
  if (!paid) {
    const pi = inv._payment_intent ? ctx.billing.store.get(text(inv._payment_intent)) : null;
    if (!pi) throw badRequest("This customer has no attached payment source or default payment method.", undefined, "resource_missing");
    throw cardErrorFor(pi, text(pi.latest_charge));
  }
  return withExpand(ctx, p, inv);
});

route("POST", "/v1/invoices/create_preview", (ctx, p) => {
  p.allow("customer", "subscription", "subscription_details");
  const sd = p.obj("subscription_details");
  sd?.allowOnly("items", "proration_behavior", "proration_date");
  const subId = p.str("subscription");
  if (!subId) return previewNewSubscription(ctx, p, sd);
  const sub = structuredClone(ctx.billing.load(subId, "subscription", "subscription"));
  const customerId = p.str("customer");
  if (customerId && customerId !== sub.customer) throw badRequest("The subscription does not belong to this customer.", "customer");
  const now = ctx.billing.nowFor(String(sub.customer));
  const behavior = sd?.oneOf("proration_behavior", ["create_prorations", "none", "always_invoice"] as const) ?? "create_prorations";
  const prorationDate = sd?.int("proration_date", 0, 1e11) ?? now;
  if (sd?.has("proration_date")) ctx.billing.checkProrationDate(sub, prorationDate, "subscription_details[proration_date]");
  const inputs = itemInputs(sd?.list("items"), false) ?? [];
  // Apply the changes to a copy only; the preview must not mutate anything stored.
  return ctx.billing.dryRun(() => {
    const changes = inputs.length ? ctx.billing.applyItems(sub, inputs, now) : [];
    const lines = behavior === "none" ? [] : ctx.billing.prorations(sub, changes, prorationDate);
    const period = ctx.billing.period(sub);
    let invoicePeriod = period;
    if (behavior !== "always_invoice") {
      const { interval, count } = ctx.billing.intervalOf(sub);
      const next = { start: period.end, end: addInterval(period.end, interval, count) };
      for (const it of (sub.items as { data: Obj[] }).data)
        lines.push(ctx.billing.line(sub, it, Number((it.price as Obj).unit_amount) * Number(it.quantity), null, next));
      invoicePeriod = { start: period.start, end: period.end };
    }
    const inv = ctx.billing.createInvoice(
      sub,
      lines,
      behavior === "always_invoice" ? "subscription_update" : "upcoming",
      invoicePeriod,
      now,
      { preview: true },
    );
    (inv.parent as { subscription_details: Record<string, unknown> }).subscription_details.subscription_proration_date = prorationDate;
    return withExpand(ctx, p, inv);
  });
});

/**
 * The first invoice of a subscription the customer does not have yet: each item at its full
 * price for one period from now. Nothing exists yet, so the invoice has no parent and the
 * lines' subscription item ids are placeholders.
 */
function previewNewSubscription(ctx: ApiContext, p: Params, sd: Params | undefined): unknown {
  const customerId = p.str("customer");
  if (!customerId) throw missingParam("customer");
  const customer = ctx.billing.load(customerId, "customer", "customer");
  const inputs = sd?.list("items");
  if (!inputs || inputs.length === 0) throw missingParam("subscription_details[items]");
  const now = ctx.billing.nowFor(customer.id);
  const prices = inputs.map((it, i) => {
    it.allowOnly("price", "quantity", "metadata");
    const price = ctx.billing.priceOf(it.reqStr("price"), `subscription_details[items][${i}][price]`);
    if (price.type !== "recurring")
      throw badRequest(
        "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
        `subscription_details[items][${i}][price]`,
      );
    return { price, quantity: it.int("quantity", 0, 999999) ?? 1 };
  });
  const first = prices[0] as { price: Obj };
  const rec = first.price.recurring as { interval: "day" | "week" | "month" | "year"; interval_count: number };
  const period = { start: now, end: addInterval(now, rec.interval, rec.interval_count) };
  return ctx.billing.dryRun(() => {
    const sub = subscriptionObj({
      id: randomId("sub_"),
      created: now,
      customer: customer.id,
      currency: first.price.currency,
      metadata: {},
    });
    const lines = prices.map(({ price, quantity }) => {
      const item = subscriptionItemObj({ id: randomId("si_"), created: now, price, quantity, subscription: sub.id });
      const line = ctx.billing.line(sub, item, Number(price.unit_amount) * quantity, null, period);
      line.subscription = null;
      (line.parent as { subscription_item_details: { subscription: string | null } }).subscription_item_details.subscription = null;
      return line;
    });
    const inv = ctx.billing.createInvoice(sub, lines, "upcoming", period, now, { preview: true });
    inv.parent = null;
    return withExpand(ctx, p, inv);
  });
}

// ---------- payment intents, methods, charges, refunds ----------

route("GET", "/v1/payment_intents/:id", (ctx, p, [id]) => {
  p.allow("client_secret");
  return withExpand(ctx, p, ctx.billing.load(id as string, "payment_intent"));
});

route("GET", "/v1/payment_intents", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer", "created");
  const customer = p.str("customer");
  const items = ctx.billing.store.all("payment_intent").filter((o) => customer === undefined || o.customer === customer);
  return withExpand(ctx, p, paginate(p, items, "/v1/payment_intents"));
});

route("GET", "/v1/payment_methods/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "payment_method"));
});

route("GET", "/v1/payment_methods", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer", "type");
  const customer = p.str("customer");
  p.oneOf("type", ["card"] as const);
  const items = ctx.billing.store.all("payment_method").filter((o) => customer === undefined || o.customer === customer);
  return withExpand(ctx, p, paginate(p, items, "/v1/payment_methods"));
});

route("GET", "/v1/customers/:id/payment_methods", (ctx, p, [id]) => {
  p.allow(...LIST_PARAMS, "type");
  const c = ctx.billing.load(id as string, "customer");
  const items = ctx.billing.store.all("payment_method").filter((o) => o.customer === c.id);
  return withExpand(ctx, p, paginate(p, items, `/v1/customers/${c.id}/payment_methods`));
});

route("POST", "/v1/payment_methods/:id/attach", (ctx, p, [id]) => {
  p.allow("customer");
  const customer = ctx.billing.load(p.reqStr("customer"), "customer", "customer");
  const pm = attachablePaymentMethod(ctx, id as string, customer, "id");
  ctx.billing.emit("payment_method.attached", pm);
  return withExpand(ctx, p, pm);
});

route("POST", "/v1/payment_methods/:id/detach", (ctx, p, [id]) => {
  p.allow();
  const pm = ctx.billing.load(id as string, "payment_method");
  const customerId = typeof pm.customer === "string" ? pm.customer : null;
  if (!customerId) throw badRequest(`The payment method you provided is not attached to a customer so detachment is impossible.`);
  const before = structuredClone(pm);
  pm.customer = null;
  ctx.billing.store.put(pm);
  ctx.billing.emit("payment_method.detached", pm, { previous: { customer: before.customer }, customer: customerId });
  // A detached card is nobody's default any more.
  const c = ctx.billing.store.get(customerId);
  const settings = c?.invoice_settings as { default_payment_method?: string | null } | undefined;
  if (c && settings?.default_payment_method === pm.id) {
    const was = structuredClone(c);
    c.invoice_settings = { ...settings, default_payment_method: null };
    ctx.billing.update(was, c, "customer.updated");
  }
  return withExpand(ctx, p, pm);
});

route("GET", "/v1/charges/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "charge"));
});

route("GET", "/v1/charges", (ctx, p) => {
  p.allow(...LIST_PARAMS, "customer", "payment_intent", "created");
  const customer = p.str("customer");
  const pi = p.str("payment_intent");
  const items = ctx.billing.store
    .all("charge")
    .filter((o) => customer === undefined || o.customer === customer)
    .filter((o) => pi === undefined || o.payment_intent === pi);
  return withExpand(ctx, p, paginate(p, items, "/v1/charges"));
});

route("POST", "/v1/refunds", (ctx, p) => {
  p.allow("payment_intent", "charge", "amount", "reason", "metadata");
  const piId = p.str("payment_intent");
  const chId = p.str("charge");
  if (!piId && !chId) throw missingParam("charge");
  let charge: Obj;
  if (chId) charge = ctx.billing.load(chId, "charge", "charge");
  else {
    const pi = ctx.billing.load(piId as string, "payment_intent", "payment_intent");
    if (!pi.latest_charge) throw badRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent");
    charge = ctx.billing.load(text(pi.latest_charge), "charge");
  }
  if (charge.status !== "succeeded")
    throw badRequest(`This charge (${charge.id}) has not succeeded and cannot be refunded.`, chId ? "charge" : "payment_intent");
  const remaining = Number(charge.amount) - Number(charge.amount_refunded);
  if (remaining <= 0) throw badRequest(`Charge ${charge.id} has already been refunded.`, "charge", "charge_already_refunded");
  const amount = p.int("amount", 1) ?? remaining;
  if (amount > remaining)
    throw invalidParam(
      "amount",
      `Refund amount (${formatCents(amount)}) is greater than unrefunded amount on charge (${formatCents(remaining)})`,
      "amount_too_large",
    );
  const at = ctx.billing.nowFor((charge.customer as string | null) ?? null);
  const refund = refundObj({
    id: randomId("re_"),
    created: at,
    amount,
    charge: charge.id,
    currency: charge.currency,
    payment_intent: charge.payment_intent,
    reason: p.oneOf("reason", ["duplicate", "fraudulent", "requested_by_customer"] as const) ?? null,
    metadata: p.metadata() ?? {},
    customer: charge.customer,
    payment_method: charge.payment_method,
  });
  ctx.billing.store.put(refund);
  const before = structuredClone(charge);
  charge.amount_refunded = Number(charge.amount_refunded) + amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  const refunds = charge.refunds as { data: Obj[] };
  charge.refunds = { ...refunds, data: [publicView(refund), ...refunds.data] };
  ctx.billing.store.put(charge);
  ctx.billing.emit("charge.refunded", charge, { previous: diff(before, charge), created: at });
  ctx.billing.emit("refund.created", refund, { created: at });
  return withExpand(ctx, p, refund);
});

function formatCents(n: number): string {
  return `$${(n / 100).toFixed(2)}`;
}

route("GET", "/v1/refunds/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "refund"));
});

route("GET", "/v1/refunds", (ctx, p) => {
  p.allow(...LIST_PARAMS, "charge", "payment_intent", "created");
  const charge = p.str("charge");
  const pi = p.str("payment_intent");
  const items = ctx.billing.store
    .all("refund")
    .filter((o) => charge === undefined || o.charge === charge)
    .filter((o) => pi === undefined || o.payment_intent === pi);
  return withExpand(ctx, p, paginate(p, items, "/v1/refunds"));
});

// ---------- billing portal ----------

route("POST", "/v1/billing_portal/sessions", (ctx, p) => {
  // flow_data (deep links into one portal flow) is accepted and recorded; the page shows the whole portal.
  p.allow("customer", "return_url", "configuration", "locale");
  const customer = ctx.billing.load(p.reqStr("customer"), "customer", "customer");
  const id = randomId("bps_");
  const s = portalSessionObj({
    id,
    created: now(),
    customer: customer.id,
    return_url: p.str("return_url") ?? null,
    url: `${ctx.origin}/p/session/${id}`,
    locale: p.str("locale") ?? null,
    configuration: p.str("configuration") ?? "bpc_local_default",
  });
  ctx.billing.store.put(s);
  return withExpand(ctx, p, s);
});

// ---------- events ----------

function eventView(ctx: ApiContext, e: Obj): Obj {
  return { ...e, pending_webhooks: ctx.pendingWebhooks(e.id) };
}

route("GET", "/v1/events/:id", (ctx, p, [id]) => {
  p.allow();
  const e = ctx.billing.store.event(id as string);
  if (!e) throw resourceMissing("event", id as string);
  return withExpand(ctx, p, eventView(ctx, e));
});

function typeMatches(type: string, pattern: string): boolean {
  if (pattern.endsWith("*")) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

route("GET", "/v1/events", (ctx, p) => {
  p.allow(...LIST_PARAMS, "type", "types", "created", "delivery_success");
  const type = p.str("type");
  const types = p.strList("types");
  if (type && types) throw badRequest("You may only specify one of these parameters: type, types.", "types");
  const created = p.range("created");
  const ds = p.bool("delivery_success");
  const items = ctx.billing.store
    .events()
    .map((r) => r.event)
    .filter((e) => !type || typeMatches(String(e.type), type))
    .filter((e) => !types || types.some((t) => typeMatches(String(e.type), t)))
    .filter((e) => inRange(Number(e.created), created))
    .filter((e) => ds === undefined || ctx.deliverySucceeded(e.id) === ds)
    .map((e) => eventView(ctx, e));
  return withExpand(ctx, p, paginate(p, items, "/v1/events"));
});

// ---------- test clocks ----------

route("POST", "/v1/test_helpers/test_clocks", (ctx, p) => {
  p.allow("frozen_time", "name");
  const frozen = p.reqInt("frozen_time", 0, 1e11);
  const clock = testClockObj({ id: randomId("clock_"), created: now(), frozen_time: frozen, name: p.str("name") ?? null });
  ctx.billing.store.put(clock);
  ctx.billing.emit("test_helpers.test_clock.created", clock, { customer: null });
  return withExpand(ctx, p, clock);
});

route("GET", "/v1/test_helpers/test_clocks/:id", (ctx, p, [id]) => {
  p.allow();
  return withExpand(ctx, p, ctx.billing.load(id as string, "test_helpers.test_clock"));
});

route("GET", "/v1/test_helpers/test_clocks", (ctx, p) => {
  p.allow(...LIST_PARAMS);
  return withExpand(ctx, p, paginate(p, ctx.billing.store.all("test_helpers.test_clock"), "/v1/test_helpers/test_clocks"));
});

route("DELETE", "/v1/test_helpers/test_clocks/:id", (ctx, p, [id]) => {
  p.allow();
  const clock = ctx.billing.load(id as string, "test_helpers.test_clock");
  // Stripe deletes the clock's customers with it, and so their subscriptions.
  for (const c of ctx.billing.store.all("customer")) if (c.test_clock === clock.id && c.deleted !== true) deleteCustomer(ctx, c);
  ctx.billing.store.delete(clock.id);
  ctx.billing.emit("test_helpers.test_clock.deleted", clock, { customer: null });
  return { id: clock.id, object: "test_helpers.test_clock", deleted: true };
});

route("POST", "/v1/test_helpers/test_clocks/:id/advance", (ctx, p, [id]) => {
  p.allow("frozen_time");
  const clock = ctx.billing.load(id as string, "test_helpers.test_clock");
  const target = p.reqInt("frozen_time", 0, 1e11);
  if (target <= Number(clock.frozen_time))
    throw invalidParam("frozen_time", "The test clock's new frozen_time must be later than its current frozen_time.");
  if (target > addInterval(Number(clock.frozen_time), "year", 2) + 86400 * 31)
    throw invalidParam("frozen_time", "You cannot advance a test clock more than two intervals of the longest subscription.");
  clock.status = "advancing";
  clock.status_details = { advancing: { target_frozen_time: target } };
  ctx.billing.store.put(clock);
  ctx.billing.emit("test_helpers.test_clock.advancing", clock, { customer: null });
  const response = structuredClone(clock);
  runClock(ctx, clock, target);
  return withExpand(ctx, p, response);
});

/**
 * Walks every subscription on the clock through the time in between. Steps of all
 * subscriptions are interleaved by time: the clock moves to each step's moment.
 */
function runClock(ctx: ApiContext, clock: Obj, target: number): void {
  const b = ctx.billing;
  const customers = new Set(
    b.store
      .all("customer")
      .filter((c) => c.test_clock === clock.id)
      .map((c) => c.id),
  );
  const subs = () => b.store.all("subscription").filter((s) => customers.has(String(s.customer)));
  // Retry past-due invoices first: the flag may have been cleared since.
  for (const sub of subs()) {
    if (sub.status === "past_due" && typeof sub.latest_invoice === "string") {
      const inv = b.store.get(sub.latest_invoice);
      if (inv?.status === "open") {
        clock.frozen_time = Number(clock.frozen_time) + 1;
        b.store.put(clock);
        b.retryInvoice(inv, Number(clock.frozen_time));
      }
    }
  }
  for (let guard = 0; guard < 2000; guard++) {
    let next: { at: number; sub: Obj } | null = null;
    for (const sub of subs()) {
      const at = b.nextStepAt(sub);
      if (at !== null && at <= target && (!next || at < next.at)) next = { at, sub };
    }
    if (!next) break;
    clock.frozen_time = Math.max(Number(clock.frozen_time), next.at);
    b.store.put(clock);
    b.advanceSubscriptionOneStep(next.sub, next.at);
  }
  clock.frozen_time = target;
  clock.status = "ready";
  clock.status_details = {};
  b.store.put(clock);
  b.emit("test_helpers.test_clock.ready", clock, { customer: null, created: target });
}
