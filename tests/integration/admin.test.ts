import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { control, deliver, deliverAll, eventsFor, intentRow, PRICE, startCheckout, stripe } from "../factories/billing";
import { agent, type Agent, form, json, pageText, signedInAgent } from "../factories/http";
import { lastQueueRun } from "../factories/queue";
import { provisionedTenant } from "../factories/provisioned";
import { addMember, ownerWithOrganization, systemAdmin } from "../factories/tenants";

const auditRows = async (where: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(
      `SELECT action, actor_type, actor_id, tenant_id, target_id, reason, before, after FROM audit_log WHERE ${where} ORDER BY id`,
    )
      .bind(...binds)
      .all()
  ).results;
const maxAuditId = async () => (await env.DB.prepare("SELECT coalesce(max(id), 0) AS id FROM audit_log").first<{ id: number }>())!.id;

type World = Awaited<ReturnType<typeof buildWorld>>;
let worldPromise: Promise<World> | undefined;
const world = () => (worldPromise ??= buildWorld());

async function buildWorld() {
  const org = await provisionedTenant({ seats: 2, name: "Admin Target Co" });
  const member = await addMember(org.tenant.id);
  const admin = await systemAdmin();
  const user = await signedInAgent();
  return { org, member, admin, user };
}

const ADMIN_READS = (w: World) => [
  "/admin",
  "/admin.data",
  "/admin/tenants",
  "/admin/tenants.data",
  `/admin/tenants/${w.org.tenant.id}`,
  `/admin/tenants/${w.org.tenant.id}.data`,
  "/admin/tenants/new",
  "/admin/licences",
  "/admin/licences.csv",
  "/admin/catalog",
  "/admin/webhooks",
  "/admin/audit",
  "/admin/funnel",
  "/api/admin/grants",
];
const ADMIN_WRITES = (w: World): [string, RequestInit][] => [
  [`/admin/tenants/${w.org.tenant.id}`, form({ intent: "grant", productKey: "accelerator", seats: "0", reason: "sneaky grant" })],
  ["/admin/tenants/new", form({ name: "Sneaky Co", ownerEmail: w.user.user.email, reason: "sneaky tenant" })],
  ["/admin/catalog", form({ intent: "create_product", key: "sneaky", name: "Sneaky", kind: "one_time" })],
  ["/admin/webhooks", form({ eventId: "evt_123" })],
  ["/admin?index", form({ intentId: "int_aaaaaaaaaaaaaaaaaaaa" })],
  ["/api/admin/grants", json({ tenantId: w.org.tenant.id, productKey: "accelerator", reason: "sneaky grant" })],
  ["/api/admin/entitlements/ent_x/revoke", json({ reason: "sneaky revoke" })],
];

test("every admin page, data request, action and API answers 403 to non-admins, with no data", async () => {
  const w = await world();
  const nonAdmins: [string, Agent][] = [
    ["anonymous", agent()],
    ["user", w.user.agent],
    ["tenant owner", w.org.owner.agent],
    ["member", w.member.agent],
  ];
  const audit = await maxAuditId();
  const entitlements = (await env.DB.prepare("SELECT count(*) AS n FROM tenant_product_entitlements").first<{ n: number }>())!.n;
  for (const [who, a] of nonAdmins) {
    for (const path of ADMIN_READS(w)) {
      const res = await a.fetch(path);
      const body = await res.text();
      expect(res.status, `${who} GET ${path}`).toBe(403);
      expect(body, `${who} GET ${path}`).not.toContain("Admin Target Co");
      expect(body).not.toContain(w.org.customerId);
    }
    for (const [path, init] of ADMIN_WRITES(w)) {
      const res = await a.fetch(path, init);
      expect(res.status, `${who} POST ${path}`).toBe(403);
    }
  }
  expect(await maxAuditId()).toBe(audit);
  expect((await env.DB.prepare("SELECT count(*) AS n FROM tenant_product_entitlements").first<{ n: number }>())!.n).toBe(entitlements);
  expect((await env.DB.prepare("SELECT count(*) AS n FROM products WHERE key = 'sneaky'").first<{ n: number }>())!.n).toBe(0);
});

test("a system admin can read every admin page", async () => {
  const w = await world();
  for (const path of ADMIN_READS(w).filter((p) => !p.startsWith("/api/"))) {
    const res = await w.admin.agent.fetch(path);
    expect(res.status, path).toBe(200);
  }
  const tenantPage = await (await w.admin.agent.fetch(`/admin/tenants/${w.org.tenant.id}`)).text();
  expect(tenantPage).toContain("Admin Target Co");
  expect(tenantPage).toContain(w.org.customerId);
  const search = await (await w.admin.agent.fetch(`/admin/tenants?q=${encodeURIComponent(w.member.user.email)}`)).text();
  expect(search).toContain("Admin Target Co");
});

test("a grant gives access at the next request, writes exactly its audit row, and a revoke takes it away", async () => {
  const w = await world();
  const me = async (a: Agent) => ((await (await a.fetch("/api/me")).json()) as { access: { accelerator: boolean } }).access.accelerator;
  expect(await me(w.member.agent)).toBe(false);
  const before = await maxAuditId();
  const granted = await w.admin.agent.fetch(
    `/admin/tenants/${w.org.tenant.id}`,
    form({ intent: "grant", productKey: "accelerator", seats: "0", validUntil: "", reason: "Conference speaker gift" }),
  );
  expect(granted.status).toBe(200);
  expect(await me(w.member.agent)).toBe(true);
  const grantAudit = await auditRows("id > ?", before);
  expect(grantAudit).toEqual([
    expect.objectContaining({
      action: "entitlement.granted",
      actor_type: "user",
      actor_id: w.admin.user.id,
      tenant_id: w.org.tenant.id,
      reason: "Conference speaker gift",
    }),
  ]);
  const entitlementId = grantAudit[0]!.target_id as string;
  const row = await env.DB.prepare("SELECT source, source_ref, status FROM tenant_product_entitlements WHERE id = ?")
    .bind(entitlementId)
    .first();
  expect(row).toMatchObject({ source: "admin_grant", status: "active", source_ref: expect.stringMatching(/^grant_/) });

  const mid = await maxAuditId();
  const revoked = await w.admin.agent.fetch(
    `/admin/tenants/${w.org.tenant.id}`,
    form({ intent: "revoke", entitlementId, reason: "Gift period over" }),
  );
  expect(revoked.status).toBe(200);
  expect(await me(w.member.agent)).toBe(false);
  expect(await auditRows("id > ?", mid)).toEqual([
    expect.objectContaining({
      action: "entitlement.revoked",
      actor_id: w.admin.user.id,
      target_id: entitlementId,
      reason: "Gift period over",
    }),
  ]);
  // Revoking twice is a clear 409 and writes nothing more.
  const again = await w.admin.agent.fetch(
    `/admin/tenants/${w.org.tenant.id}`,
    form({ intent: "revoke", entitlementId, reason: "Gift period over" }),
  );
  expect(again.status).toBe(409);
  expect(await maxAuditId()).toBe(mid + 1);
});

test("a seat-based grant seats the owner, audited", async () => {
  const w = await world();
  const before = await maxAuditId();
  const res = await w.admin.agent.fetch(
    "/api/admin/grants",
    json({ tenantId: w.org.tenant.id, productKey: "organization", seats: 3, reason: "Partner programme" }),
  );
  expect(res.status).toBe(201);
  const { entitlementId } = (await res.json()) as { entitlementId: string };
  expect((await auditRows("id > ?", before)).map((r) => r.action)).toEqual(["entitlement.granted", "seat.assigned"]);
  const seats = await env.DB.prepare(
    "SELECT user_id FROM tenant_entitlement_seat_assignments WHERE entitlement_id = ? AND released_at IS NULL",
  )
    .bind(entitlementId)
    .all();
  expect(seats.results).toEqual([{ user_id: w.org.owner.user.id }]);
});

test("revoking a Stripe-backed entitlement needs confirmation, and later Stripe events do not undo it", async () => {
  const o = await ownerWithOrganization(2, "Stripe Revoke Co");
  const admin = await systemAdmin();
  const ent = await env.DB.prepare("SELECT id FROM tenant_product_entitlements WHERE tenant_id = ? AND source = 'stripe_subscription'")
    .bind(o.tenant.id)
    .first<{ id: string }>();
  const before = await maxAuditId();
  const unconfirmed = await admin.agent.fetch(`/api/admin/entitlements/${ent!.id}/revoke`, json({ reason: "Chargeback fraud" }));
  expect(unconfirmed.status).toBe(409);
  expect(((await unconfirmed.json()) as { message: string }).message).toContain("Stripe keeps billing");
  expect(await maxAuditId()).toBe(before);
  const confirmed = await admin.agent.fetch(
    `/api/admin/entitlements/${ent!.id}/revoke`,
    json({ reason: "Chargeback fraud", confirmStripe: true }),
  );
  expect(confirmed.status).toBe(200);
  // Stripe still has the subscription active; its next event must not bring access back.
  const seen = (await eventsFor(o.customerId)).map((e) => e.id);
  await stripe().subscriptions.update(o.subscriptionId!, { metadata: { touched: "yes" } });
  await deliverAll((await eventsFor(o.customerId, seen)).map((e) => e.id));
  const status = await env.DB.prepare("SELECT status FROM tenant_product_entitlements WHERE id = ?")
    .bind(ent!.id)
    .first<{ status: string }>();
  expect(status!.status).toBe("revoked");
});

test("bad grant input is a 4xx and changes nothing", async () => {
  const w = await world();
  const before = await maxAuditId();
  const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM tenant_product_entitlements").first<{ n: number }>())!.n;
  const n = await count();
  const t = w.org.tenant.id;
  for (const [body, status, field] of [
    [{ tenantId: t, productKey: "accelerator" }, 422, "reason"],
    [{ tenantId: t, productKey: "accelerator", reason: "no" }, 422, "reason"],
    [{ tenantId: t, productKey: "gold", reason: "a real reason" }, 422, "productKey"],
    [{ tenantId: t, productKey: "organization", seats: 0, reason: "a real reason" }, 422, "seats"],
    [{ tenantId: t, productKey: "organization", seats: -4, reason: "a real reason" }, 422, "seats"],
    [{ tenantId: t, productKey: "organization", seats: 1e9, reason: "a real reason" }, 422, "seats"],
    [{ tenantId: t, productKey: "accelerator", validUntil: "2001-01-01", reason: "a real reason" }, 422, "validUntil"],
    [{ tenantId: t, productKey: "accelerator", validUntil: "tomorrow", reason: "a real reason" }, 422, "validUntil"],
    [{ tenantId: "ten_nope", productKey: "accelerator", reason: "a real reason" }, 404, null],
    ["{garbage", 400, null],
  ] as const) {
    const res = await w.admin.agent.fetch("/api/admin/grants", json(body));
    const answer = (await res.json()) as { fieldErrors?: Record<string, string[]> };
    expect(res.status, JSON.stringify(body)).toBe(status);
    if (field) expect(Object.keys(answer.fieldErrors ?? {}), JSON.stringify(body)).toContain(field);
  }
  expect(await count()).toBe(n);
  expect(await maxAuditId()).toBe(before);
});

test("an admin creates a tenant only for a named existing owner, audited; the pay-first invariant accepts it", async () => {
  const w = await world();
  const owner = await signedInAgent();
  const missing = await w.admin.agent.fetch(
    "/admin/tenants/new",
    form({ name: "Ghost Co", ownerEmail: "ghost@example.com", reason: "pilot customer" }),
  );
  expect(missing.status).toBe(422);
  const before = await maxAuditId();
  const res = await w.admin.agent.fetch(
    "/admin/tenants/new",
    form({ name: "Pilot Co", ownerEmail: owner.user.email, reason: "pilot customer" }),
  );
  expect(res.status).toBe(302);
  const tenantId = res.headers.get("Location")!.split("/").pop()!;
  expect((await auditRows("id > ?", before)).map((r) => [r.action, r.tenant_id])).toEqual([
    ["tenant.created", tenantId],
    ["membership.created", tenantId],
  ]);
  const me = (await (await owner.agent.fetch("/api/me")).json()) as { memberships: { role: string }[]; access: { organization: boolean } };
  expect(me.memberships).toEqual([expect.objectContaining({ role: "owner" })]);
  expect(me.access.organization).toBe(false); // a tenant is not a licence
});

test("a tenant whose name's slug is taken gets that slug with its id's last six characters", async () => {
  const w = await world();
  const owner = await signedInAgent();
  const suffix = crypto.randomUUID().slice(0, 8);
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await w.admin.agent.fetch(
      "/admin/tenants/new",
      form({ name: `Twin Co ${suffix}`, ownerEmail: owner.user.email, reason: "two of one name" }),
    );
    expect(res.status).toBe(302);
    ids.push(res.headers.get("Location")!.split("/").pop()!);
  }
  const slug = async (id: string) =>
    (await env.DB.prepare("SELECT slug FROM tenants WHERE id = ?").bind(id).first<{ slug: string }>())!.slug;
  expect(await slug(ids[0]!)).toBe(`twin-co-${suffix}`);
  expect(await slug(ids[1]!)).toBe(`twin-co-${suffix}-${ids[1]!.slice(-6)}`);
});

test("the webhook inbox and email outbox filter by a known ?status=; any other status lists all", async () => {
  const w = await world();
  const tag = crypto.randomUUID().replace(/-/g, "").slice(0, 12);
  const ids = { processed: `evt_processed${tag}`, failed: `evt_failed${tag}` };
  // Dated a day ahead, so both stand on the inbox's first page whatever other files deliver.
  const at = Date.now() + 86_400_000;
  for (const [status, id] of Object.entries(ids)) {
    await env.DB.prepare(
      "INSERT INTO processed_webhook_events (event_id, type, status, stripe_created, received_at) VALUES (?, 'test.filter', ?, 0, ?)",
    )
      .bind(id, status, at)
      .run();
  }
  const inbox = async (query: string) => {
    const res = await w.admin.agent.fetch(`/admin/webhooks${query}`);
    expect(res.status, query).toBe(200);
    const html = await res.text();
    return { processed: html.includes(ids.processed), failed: html.includes(ids.failed) };
  };
  expect(await inbox("?status=failed")).toEqual({ processed: false, failed: true });
  expect(await inbox("?status=processed")).toEqual({ processed: true, failed: false });
  expect(await inbox("?status=bogus")).toEqual({ processed: true, failed: true });
  expect(await inbox("")).toEqual({ processed: true, failed: true });
  expect((await w.admin.agent.fetch("/admin/emails?status=bogus")).status).toBe(200);
});

test("catalog features: a feature granted with a product reaches its existing entitlements at once, and leaves with its removal; audited", async () => {
  const w = await world();
  const key = `reports.export_${Date.now().toString(36)}`;
  const features = async (a: Agent) =>
    ((await (await a.fetch("/api/me")).json()) as { access: { features: Record<string, { granted: boolean }> } }).access.features;
  const before = await maxAuditId();
  const post = (fields: Record<string, string>) => w.admin.agent.fetch("/admin/catalog", form(fields));
  expect((await post({ intent: "create_feature", key, name: "Report export", kind: "boolean", scope: "organization" })).status).toBe(200);
  const feature = (await env.DB.prepare("SELECT id FROM features WHERE key = ?").bind(key).first<{ id: string }>())!;
  expect(await features(w.org.owner.agent)).not.toHaveProperty(key);

  const grant = {
    intent: "add_feature",
    productId: "prd_organization",
    featureId: feature.id,
    reason: "Export is part of Organization now",
  };
  expect((await post(grant)).status).toBe(200);
  // The tenant bought nothing new: its owner holds the feature (an organisation feature), its member does not.
  expect((await features(w.org.owner.agent))[key]).toMatchObject({ granted: true });
  expect((await features(w.member.agent))[key]).toMatchObject({ granted: false, reason: "needs_manager" });
  expect((await post(grant)).status).toBe(409);

  const pf = (await env.DB.prepare("SELECT id FROM product_features WHERE feature_id = ?").bind(feature.id).first<{ id: string }>())!;
  expect((await post({ intent: "remove_feature", productFeatureId: pf.id, reason: "Moved to an add-on" })).status).toBe(200);
  expect(await features(w.org.owner.agent)).not.toHaveProperty(key);

  const audit = await auditRows("id > ? AND action LIKE 'catalog.%feature%'", before);
  expect(audit.map((r) => [r.action, r.actor_id, r.reason])).toEqual([
    ["catalog.feature_created", w.admin.user.id, null],
    ["catalog.product_feature_added", w.admin.user.id, "Export is part of Organization now"],
    ["catalog.product_feature_removed", w.admin.user.id, "Moved to an add-on"],
  ]);

  // Bad input: 422 naming the field, and nothing written.
  const rows = async () => (await env.DB.prepare("SELECT count(*) AS n FROM product_features").first<{ n: number }>())!.n;
  const n = await rows();
  for (const [fields, status, field] of [
    [{ intent: "create_feature", key: "Bad Key", name: "X y", kind: "boolean", scope: "user" }, 422, "key"],
    [{ intent: "create_feature", key, name: "Again", kind: "boolean", scope: "user" }, 409, "key"],
    [{ ...grant, reason: "" }, 422, "reason"],
    [{ ...grant, limit: "5" }, 422, "limit"],
    [{ ...grant, priceId: "prc_accelerator_lifetime" }, 422, "priceId"],
    [{ ...grant, featureId: "ftr_nope" }, 422, "featureId"],
  ] as const) {
    const res = await post(fields);
    expect(res.status, JSON.stringify(fields)).toBe(status);
    if (status === 422) expect(await res.text(), JSON.stringify(fields)).toContain(`data-field="${field}"`);
  }
  expect(await rows()).toBe(n);
  // Only system admins change features.
  expect((await w.org.owner.agent.fetch("/admin/catalog", form(grant))).status).toBe(403);
});

test("catalog features with a Stripe lookup key are mirrored to Stripe Entitlements: created, attached, detached; a buyer's active entitlements list them", async () => {
  const w = await world();
  // A customer who bought Organization through Checkout: the product exists in Stripe.
  const buyer = await ownerWithOrganization(2, "Mirror Co");
  const org = (await env.DB.prepare("SELECT stripe_product_id FROM products WHERE id = 'prd_organization'").first<{
    stripe_product_id: string;
  }>())!;
  expect(org.stripe_product_id).toMatch(/^prod_/);
  const tag = Date.now().toString(36);
  const key = `reports.mirror_${tag}`;
  const lookupKey = `mirror-${tag}`;
  const before = await maxAuditId();
  const post = (fields: Record<string, string>) => w.admin.agent.fetch("/admin/catalog", form(fields));
  const inStripe = async () =>
    (await stripe().products.listFeatures(org.stripe_product_id, { limit: 100 })).data.map((pf) => pf.entitlement_feature.lookup_key);
  const entitled = async () =>
    (await stripe().entitlements.activeEntitlements.list({ customer: buyer.customerId, limit: 100 })).data.map((e) => e.lookup_key);

  const created = await post({
    intent: "create_feature",
    key,
    name: "Mirrored export",
    kind: "boolean",
    scope: "user",
    stripeLookupKey: lookupKey,
  });
  expect(created.status).toBe(200);
  const feature = (await env.DB.prepare("SELECT id, stripe_lookup_key, stripe_feature_id FROM features WHERE key = ?")
    .bind(key)
    .first<{ id: string; stripe_lookup_key: string; stripe_feature_id: string }>())!;
  const stripeFeatures = (await stripe().entitlements.features.list({ lookup_key: lookupKey })).data;
  expect(stripeFeatures.map((f) => [f.id, f.name])).toEqual([[feature.stripe_feature_id, "Mirrored export"]]);
  expect(await inStripe()).not.toContain(lookupKey);

  const grant = { intent: "add_feature", productId: "prd_organization", featureId: feature.id, reason: "Mirror it" };
  expect((await post(grant)).status).toBe(200);
  expect(await inStripe()).toContain(lookupKey);
  expect(await entitled()).toContain(lookupKey);

  const pf = (await env.DB.prepare("SELECT id FROM product_features WHERE feature_id = ?").bind(feature.id).first<{ id: string }>())!;
  expect((await post({ intent: "remove_feature", productFeatureId: pf.id, reason: "Unmirror it" })).status).toBe(200);
  expect(await inStripe()).not.toContain(lookupKey);
  expect(await entitled()).not.toContain(lookupKey);

  const audit = await auditRows("id > ? AND action LIKE 'catalog.%feature%'", before);
  expect(audit.map((r) => r.action)).toEqual([
    "catalog.feature_created",
    "catalog.product_feature_added",
    "catalog.product_feature_removed",
  ]);
  expect(JSON.parse(audit[0]!.after as string)).toMatchObject({ stripeLookupKey: lookupKey, stripeFeatureId: feature.stripe_feature_id });
  expect((JSON.parse(audit[1]!.after as string) as { stripeProductFeatureId: string }).stripeProductFeatureId).toMatch(/^prodft_/);

  // A product not yet in Stripe: the grant waits, and its first price attaches the feature.
  const productKey = `mirror_${tag}`;
  expect((await post({ intent: "create_product", key: productKey, name: "Mirror add-on", kind: "one_time" })).status).toBe(200);
  const product = (await env.DB.prepare("SELECT id FROM products WHERE key = ?").bind(productKey).first<{ id: string }>())!;
  expect((await post({ ...grant, productId: product.id })).status).toBe(200);
  const price = { intent: "create_price", productId: product.id, lookupKey: `${productKey}_once`, currency: "eur", unitAmount: "500" };
  expect((await post({ ...price, interval: "", tier: "", minSeats: "", maxSeats: "", accessDays: "" })).status).toBe(200);
  const addOn = (await env.DB.prepare("SELECT stripe_product_id FROM products WHERE id = ?").bind(product.id).first<{
    stripe_product_id: string;
  }>())!;
  const addOnFeatures = (await stripe().products.listFeatures(addOn.stripe_product_id)).data;
  expect(addOnFeatures.map((f) => f.entitlement_feature.id)).toEqual([feature.stripe_feature_id]);

  // A price seeded without Stripe ids (as db/seed.ts leaves the catalog): the first checkout creates the
  // Stripe product and attaches the features its product grants.
  const seededKey = `mirror_seeded_${tag}`;
  expect((await post({ intent: "create_product", key: seededKey, name: "Mirror seeded", kind: "one_time" })).status).toBe(200);
  const seeded = (await env.DB.prepare("SELECT id FROM products WHERE key = ?").bind(seededKey).first<{ id: string }>())!;
  expect((await post({ ...grant, productId: seeded.id })).status).toBe(200);
  await env.DB.prepare("UPDATE products SET published = 1 WHERE id = ?").bind(seeded.id).run();
  await env.DB.prepare(
    `INSERT INTO product_prices (id, product_id, lookup_key, currency, unit_amount, published, archived, created_at)
     VALUES (?, ?, ?, 'eur', 700, 1, 0, ?)`,
  )
    .bind(`prc_${seededKey}`, seeded.id, `${seededKey}_once`, Date.now())
    .run();
  await startCheckout((await signedInAgent()).agent, { priceId: `prc_${seededKey}`, quantity: 1, organizationName: "Seeded Mirror Co" });
  const seededInStripe = (await env.DB.prepare("SELECT stripe_product_id FROM products WHERE id = ?").bind(seeded.id).first<{
    stripe_product_id: string;
  }>())!;
  expect((await stripe().products.listFeatures(seededInStripe.stripe_product_id)).data.map((f) => f.entitlement_feature.id)).toEqual([
    feature.stripe_feature_id,
  ]);

  // Stripe refusing (the feature was archived in Stripe) is a 502 naming its reason, and D1 keeps nothing.
  await stripe().entitlements.features.update(feature.stripe_feature_id, { active: false });
  const rows = async () => (await env.DB.prepare("SELECT count(*) AS n FROM product_features").first<{ n: number }>())!.n;
  const n = await rows();
  const audited = await maxAuditId();
  const refused = await post(grant);
  expect(refused.status).toBe(502);
  expect(await refused.text()).toContain("Stripe refused the change");
  expect(await rows()).toBe(n);
  expect(await maxAuditId()).toBe(audited);

  // Two features cannot mirror one lookup key; a bad key names the field.
  for (const [fields, status] of [
    [{ intent: "create_feature", key: `${key}_b`, name: "Again", kind: "boolean", scope: "user", stripeLookupKey: lookupKey }, 409],
    [{ intent: "create_feature", key: `${key}_c`, name: "Bad", kind: "boolean", scope: "user", stripeLookupKey: "Not A Key" }, 422],
  ] as const) {
    const res = await post(fields);
    expect(res.status, JSON.stringify(fields)).toBe(status);
    expect(await res.text()).toContain('data-field="stripeLookupKey"');
  }
});

test("catalog: an admin makes a product an add-on of a subscription product, and only of one", async () => {
  const w = await world();
  const key = `extra_${Date.now().toString(36)}`;
  const post = (fields: Record<string, string>) => w.admin.agent.fetch("/admin/catalog", form(fields));
  const base = { intent: "create_product", key, name: "Extra storage", kind: "subscription", baseProductId: "prd_organization" };
  expect((await post(base)).status).toBe(200);
  expect(await env.DB.prepare("SELECT base_product_id FROM products WHERE key = ?").bind(key).first("base_product_id")).toBe(
    "prd_organization",
  );
  expect(await pageText(await w.admin.agent.fetch("/admin/catalog"))).toContain("add-on of Organization");
  // Not of a one-time product, not of another add-on, not as a one-time product, not of nothing real.
  for (const fields of [
    { ...base, key: `${key}_a`, baseProductId: "prd_accelerator" },
    { ...base, key: `${key}_b`, baseProductId: "prd_uploads_addon" },
    { ...base, key: `${key}_c`, kind: "one_time" },
    { ...base, key: `${key}_d`, baseProductId: "prd_nope" },
  ]) {
    const res = await post(fields);
    expect(res.status, JSON.stringify(fields)).toBe(422);
    expect(await res.text()).toContain('data-field="baseProductId"');
  }
  expect(await env.DB.prepare("SELECT count(*) AS n FROM products WHERE key LIKE ?").bind(`${key}_%`).first("n")).toBe(0);
});

test("catalog: a new price is created in Stripe with the same lookup key; publish and archive are audited", async () => {
  const w = await world();
  const key = `workshop_${Date.now().toString(36)}`;
  const before = await maxAuditId();
  expect(
    (await w.admin.agent.fetch("/admin/catalog", form({ intent: "create_product", key, name: "Workshop", kind: "one_time" }))).status,
  ).toBe(200);
  const product = await env.DB.prepare("SELECT id, published FROM products WHERE key = ?")
    .bind(key)
    .first<{ id: string; published: number }>();
  expect(product!.published).toBe(0);
  const priceRes = await w.admin.agent.fetch(
    "/admin/catalog",
    form({
      intent: "create_price",
      productId: product!.id,
      lookupKey: `${key}_once`,
      currency: "eur",
      unitAmount: "9900",
      interval: "",
      tier: "",
      minSeats: "",
      maxSeats: "",
      accessDays: "90",
    }),
  );
  expect(priceRes.status).toBe(200);
  const price = await env.DB.prepare("SELECT id, stripe_price_id, published FROM product_prices WHERE lookup_key = ?")
    .bind(`${key}_once`)
    .first<{ id: string; stripe_price_id: string }>();
  const inStripe = await stripe().prices.list({ lookup_keys: [`${key}_once`] });
  expect(inStripe.data.map((p) => p.id)).toEqual([price!.stripe_price_id]);
  expect(inStripe.data[0]!.unit_amount).toBe(9900);

  expect(
    (await w.admin.agent.fetch("/admin/catalog", form({ intent: "flag", target: "product", id: product!.id, change: "publish" }))).status,
  ).toBe(200);
  expect(
    (await w.admin.agent.fetch("/admin/catalog", form({ intent: "flag", target: "price", id: price!.id, change: "publish" }))).status,
  ).toBe(200);
  const pricing = await (await agent().fetch("/api/public/pricing")).text();
  expect(pricing).toContain(`${key}_once`);
  expect(
    (await w.admin.agent.fetch("/admin/catalog", form({ intent: "flag", target: "price", id: price!.id, change: "archive" }))).status,
  ).toBe(200);
  expect(await (await agent().fetch("/api/public/pricing")).text()).not.toContain(`${key}_once`);
  // An archived price stays archived; prices are never edited.
  expect(
    (await w.admin.agent.fetch("/admin/catalog", form({ intent: "flag", target: "price", id: price!.id, change: "publish" }))).status,
  ).toBe(409);
  expect((await auditRows("id > ?", before)).map((r) => r.action)).toEqual([
    "catalog.product_created",
    "catalog.price_created",
    "catalog.product_published",
    "catalog.price_published",
    "catalog.price_archived",
  ]);
  // Bad catalog input is refused.
  for (const [body, status] of [
    [{ intent: "create_product", key: "Bad Key", name: "X", kind: "one_time" }, 422],
    [{ intent: "create_product", key, name: "Dup", kind: "one_time" }, 409],
    [{ intent: "create_price", productId: product!.id, lookupKey: `${key}_m`, currency: "eur", unitAmount: "100", interval: "month" }, 422],
    [{ intent: "create_price", productId: product!.id, lookupKey: `${key}_neg`, currency: "eur", unitAmount: "-1", interval: "" }, 422],
  ] as const) {
    const res = await w.admin.agent.fetch("/admin/catalog", form(body));
    expect(res.status, JSON.stringify(body)).toBe(status);
  }
});

test("a paid purchase whose provisioning failed stands out, and the admin's retry provisions it (audited)", async () => {
  const w = await world();
  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 2, organizationName: "Stuck Co" });
  await control.pay(checkout.url, "pay");
  const completed = (await eventsFor(checkout.customerId)).find((e) => e.type === "checkout.session.completed")!;
  await env.DB.prepare("CREATE TRIGGER test_fail_tenants BEFORE INSERT ON tenants BEGIN SELECT RAISE(ABORT, 'injected'); END").run();
  try {
    expect((await deliver(completed.id)).status).toBe(200);
    expect(lastQueueRun().retried).toHaveLength(1);
  } finally {
    await env.DB.prepare("DROP TRIGGER test_fail_tenants").run();
  }
  expect((await intentRow(checkout.intentId))!.state).toBe("paid");
  const overview = await (await w.admin.agent.fetch("/admin")).text();
  expect(overview).toContain(checkout.intentId);
  const inbox = await (await w.admin.agent.fetch("/admin/webhooks?status=failed")).text();
  expect(inbox).toContain(completed.id);

  const before = await maxAuditId();
  const retry = await w.admin.agent.fetch("/admin?index", form({ intentId: checkout.intentId }));
  expect(retry.status).toBe(200);
  expect((await intentRow(checkout.intentId))!.state).toBe("provisioned");
  const actions = (await auditRows("id > ?", before)).map((r) => r.action);
  expect(actions).toContain("purchase.provisioned");
  expect(actions.at(-1)).toBe("webhook.replayed");
  // Replaying a processed event is refused.
  expect((await w.admin.agent.fetch("/admin/webhooks", form({ eventId: completed.id }))).status).toBe(409);
});

test("licences: filters and a CSV export", async () => {
  const w = await world();
  const page = await (await w.admin.agent.fetch("/admin/licences?product=organization&status=active")).text();
  expect(page).toContain("Admin Target Co");
  const csv = await w.admin.agent.fetch("/admin/licences.csv?product=organization");
  expect(csv.headers.get("Content-Type")).toContain("text/csv");
  expect(csv.headers.get("Content-Disposition")).toContain("attachment");
  const text = await csv.text();
  const lines = text.trim().split("\r\n");
  expect(lines[0]).toBe(
    "entitlement_id,tenant_id,tenant,product,source,source_ref,status,seats_used,seats_total,valid_from,valid_until,grace_until",
  );
  expect(lines.some((l) => l.includes('"Admin Target Co"') && l.includes('"organization"'))).toBe(true);
  expect(lines.slice(1).every((l) => l.includes('"organization"'))).toBe(true);
});

test("audit log filters by tenant, actor and action; the funnel counts events per day", async () => {
  const w = await world();
  const byTenant = await (await w.admin.agent.fetch(`/admin/audit?tenant=${w.org.tenant.id}`)).text();
  expect(byTenant).toContain("tenant.created");
  const byActor = await (await w.admin.agent.fetch(`/admin/audit?actor=stripe_event&action=purchase.`)).text();
  expect(byActor).toContain("purchase.provisioned");
  expect(byActor).not.toContain("entitlement.revoked");
  const today = new Date().toISOString().slice(0, 10);
  const todaysCells = async () => {
    const funnel = await (await w.admin.agent.fetch("/admin/funnel")).text();
    expect(funnel).toContain("<svg");
    const row = funnel.split('data-testid="funnel-day"').find((r) => r.includes(today))!;
    return [...row.matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
  };
  // What the database holds for today (UTC), per event: the chart must show exactly that.
  const stored = async (name: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM analytics_events WHERE name = ? AND at >= ?")
      .bind(name, Date.parse(today))
      .first<{ n: number }>())!.n;
  const before = await todaysCells();
  await agent().fetch("/pricing", form({ product: "accelerator" }));
  const after = await todaysCells();
  expect(after[0]).toBe(before[0]! + 1); // pricing_upgrade_click: the click just made
  expect(after[0]).toBe(await stored("pricing_upgrade_click"));
  expect(after[2]).toBe(await stored("checkout_success"));
  expect(after[2]).toBeGreaterThanOrEqual(1); // the world's purchases
});

test("a single feature granted for a period reaches the tenant at once, audited with its reason; its revoke takes it away, audited; bad input changes nothing", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Feature Grant Co" });
  const { admin } = await world();
  const uploads = async () =>
    (
      (await (await org.owner.agent.fetch("/api/me")).json()) as {
        access: { features: Record<string, { granted: boolean; via: unknown }> };
      }
    ).access.features["uploads.pro"];
  // The PRO tier grants no uploads.
  expect((await uploads())?.granted ?? false).toBe(false);
  const featureId = (await env.DB.prepare("SELECT id FROM features WHERE key = 'uploads.pro'").first<{ id: string }>())!.id;

  const before = await maxAuditId();
  const refused = await admin.agent.fetch(
    `/admin/tenants/${org.tenant.id}`,
    form({ intent: "grant_feature", featureId: "no-such-feature", days: "30", limit: "", reason: "Pilot uploads" }),
  );
  expect(refused.status).toBeGreaterThanOrEqual(400);
  expect(refused.status).toBeLessThan(500);
  expect(await auditRows("id > ?", before)).toEqual([]);

  const granted = await admin.agent.fetch(
    `/admin/tenants/${org.tenant.id}`,
    form({ intent: "grant_feature", featureId, days: "30", limit: "", reason: "Pilot uploads for a school" }),
  );
  expect(granted.status).toBe(200);
  expect((await uploads())?.granted).toBe(true);
  const [audit, ...more] = await auditRows("id > ?", before);
  expect(more).toEqual([]);
  expect(audit).toMatchObject({
    action: "feature.granted",
    actor_id: admin.user.id,
    tenant_id: org.tenant.id,
    reason: "Pilot uploads for a school",
  });
  expect(JSON.parse(audit!.after as string)).toMatchObject({ feature: "uploads.pro" });

  const mid = await maxAuditId();
  const revoked = await admin.agent.fetch(
    `/admin/tenants/${org.tenant.id}`,
    form({ intent: "revoke_feature", grantId: audit!.target_id as string, reason: "Pilot over" }),
  );
  expect(revoked.status).toBe(200);
  expect((await uploads())?.granted ?? false).toBe(false);
  expect(await auditRows("id > ?", mid)).toEqual([
    expect.objectContaining({ action: "feature.revoked", tenant_id: org.tenant.id, target_id: audit!.target_id, reason: "Pilot over" }),
  ]);
});
