import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { deliverAll, eventsFor, PRICE, stripe } from "../factories/billing";
import { agent, type Agent, form, signedInAgent, pageText } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";
import { addMember, cancelInStripe, ownerWithOrganization, purchase, systemAdmin } from "../factories/tenants";

// Text that only an entitled reader may ever receive.
const LESSON_SECRET = "Never create an account, a team or a licence before the money is confirmed";
const OUTLINE_SECRET = "Pay first, provision second";
const ROADMAP_SECRET = "Quantum widget launch";

type World = Awaited<ReturnType<typeof buildWorld>>;
let worldPromise: Promise<World> | undefined;
const world = () => (worldPromise ??= buildWorld());

// Tenant A: Organization (3 seats) + Accelerator; owner (seated), a seated member, a seatless member.
// Tenant B: Organization bought and then canceled; its owner and a member have nothing live.
async function buildWorld() {
  // Bought through Checkout: the matrix includes its owner's billing portal (a Stripe customer).
  const a = await ownerWithOrganization(3, "Alpha Matrix");
  await purchase(a.owner.agent, { priceId: PRICE.accelerator, tenantId: a.tenant.id });
  const memberSeat = await addMember(a.tenant.id, { seat: true });
  const memberNoSeat = await addMember(a.tenant.id);
  const b = await provisionedTenant({ seats: 2, name: "Beta Matrix", status: "canceled" });
  const memberB = await addMember(b.tenant.id);
  const noTenant = await signedInAgent();
  const admin = await systemAdmin();
  // A roadmap with an item, published by tenant A's owner.
  await a.owner.agent.fetch(`/org/${a.tenant.slug}/roadmap`, form({ intent: "add", title: ROADMAP_SECRET, column: "now" }));
  const published = await a.owner.agent.fetch(`/org/${a.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" }));
  if (published.status !== 200) throw new Error(`publish failed: ${published.status}`);
  const roles: Record<string, Agent> = {
    anonymous: agent(),
    noTenant: noTenant.agent,
    memberNoEntitlement: memberB.agent,
    memberNoSeat: memberNoSeat.agent,
    memberSeat: memberSeat.agent,
    owner: a.owner.agent,
    otherOwner: b.owner.agent,
    systemAdmin: admin.agent,
  };
  return { a, b, roles };
}

const ROLES = ["anonymous", "noTenant", "memberNoEntitlement", "memberNoSeat", "memberSeat", "owner", "otherOwner", "systemAdmin"] as const;
type Role = (typeof ROLES)[number];

// Expected status per role. 302/202 = sent to login (page/data request), 403 = locked, 404 = not yours.
const MATRIX: { name: string; request: (w: World) => [string, RequestInit?]; expect: Record<Role, number>; secret?: string }[] = [
  {
    name: "Accelerator index page",
    request: () => ["/accelerator"],
    expect: {
      anonymous: 302,
      noTenant: 403,
      memberNoEntitlement: 403,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 403,
      systemAdmin: 200,
    },
    secret: OUTLINE_SECRET,
  },
  {
    name: "Accelerator lesson page",
    request: () => ["/accelerator/foundations/pay-first"],
    expect: {
      anonymous: 302,
      noTenant: 403,
      memberNoEntitlement: 403,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 403,
      systemAdmin: 200,
    },
    secret: LESSON_SECRET,
  },
  {
    name: "Accelerator lesson data request",
    request: () => ["/accelerator/foundations/pay-first.data"],
    expect: {
      anonymous: 202,
      noTenant: 403,
      memberNoEntitlement: 403,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 403,
      systemAdmin: 200,
    },
    secret: LESSON_SECRET,
  },
  {
    name: "Accelerator index data request",
    request: () => ["/accelerator.data"],
    expect: {
      anonymous: 202,
      noTenant: 403,
      memberNoEntitlement: 403,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 403,
      systemAdmin: 200,
    },
    secret: OUTLINE_SECRET,
  },
  {
    name: "roadmap editor",
    request: (w) => [`/org/${w.a.tenant.slug}/roadmap`],
    expect: {
      anonymous: 302,
      noTenant: 404,
      memberNoEntitlement: 404,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 404,
      systemAdmin: 404,
    },
    secret: ROADMAP_SECRET,
  },
  {
    name: "roadmap editor data request",
    request: (w) => [`/org/${w.a.tenant.slug}/roadmap.data`],
    expect: {
      anonymous: 202,
      noTenant: 404,
      memberNoEntitlement: 404,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 404,
      systemAdmin: 404,
    },
    secret: ROADMAP_SECRET,
  },
  {
    // An organisation-level action: owners and admins of a live plan, seat or not (seatless-managers.test.ts).
    name: "publishing the roadmap (action)",
    request: (w) => [`/org/${w.a.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" })],
    expect: {
      anonymous: 302,
      noTenant: 404,
      memberNoEntitlement: 404,
      memberNoSeat: 403,
      memberSeat: 403,
      owner: 200,
      otherOwner: 404,
      systemAdmin: 404,
    },
  },
  {
    name: "Manage billing",
    request: (w) => [`/org/${w.a.tenant.slug}/billing-portal`, { method: "POST" }],
    expect: {
      anonymous: 302,
      noTenant: 403,
      memberNoEntitlement: 403,
      memberNoSeat: 403,
      memberSeat: 403,
      owner: 303,
      otherOwner: 403,
      systemAdmin: 403,
    },
  },
  {
    name: "dashboard",
    request: () => ["/dashboard"],
    expect: {
      anonymous: 302,
      noTenant: 200,
      memberNoEntitlement: 200,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 200,
      systemAdmin: 200,
    },
  },
  {
    name: "GET /api/me",
    request: () => ["/api/me"],
    expect: {
      anonymous: 401,
      noTenant: 200,
      memberNoEntitlement: 200,
      memberNoSeat: 200,
      memberSeat: 200,
      owner: 200,
      otherOwner: 200,
      systemAdmin: 200,
    },
  },
];

for (const row of MATRIX) {
  test(`authorization matrix: ${row.name}`, async () => {
    const w = await world();
    const [path, init] = row.request(w);
    for (const role of ROLES) {
      const res = await w.roles[role]!.fetch(path, init);
      const body = await res.text();
      expect(res.status, `${role} -> ${path}`).toBe(row.expect[role]);
      if (row.secret && res.status !== 200) expect(body, `${role} must not see protected content`).not.toContain(row.secret);
      if (row.secret && res.status === 200) expect(body).toContain(row.secret);
      // Every answer here depends on who asks (redirects to login included): never stored by a cache.
      expect(res.headers.get("Cache-Control"), `${role} ${path}`).toContain("no-store");
    }
  }, 120_000);
}

type Me = {
  access: {
    organization: boolean;
    accelerator: boolean;
    features: Record<string, { granted: boolean; reason: string | null; via: unknown }>;
  };
  entitlements: { product: string; grantsAccess: boolean }[];
};
const me = async (w: World, role: Role) => (await (await w.roles[role]!.fetch("/api/me")).json()) as Me;

test("/api/me reports access and the entitlements behind it", async () => {
  const w = await world();
  const products = async (role: Role) => {
    const { organization, accelerator } = (await me(w, role)).access;
    return { organization, accelerator };
  };
  expect(await products("memberSeat")).toEqual({ organization: true, accelerator: true });
  expect(await products("memberNoSeat")).toEqual({ organization: false, accelerator: true });
  expect(await products("memberNoEntitlement")).toEqual({ organization: false, accelerator: false });
  expect(await products("noTenant")).toEqual({ organization: false, accelerator: false });
  expect(await products("systemAdmin")).toEqual({ organization: true, accelerator: true });
  const owner = await me(w, "owner");
  expect(owner.entitlements.map((e) => e.product).sort()).toEqual(["accelerator", "organization"]);
});

test("/api/me lists the features each person holds, through which entitlement, or why not", async () => {
  const w = await world();
  const features = async (role: Role) =>
    Object.fromEntries(Object.entries((await me(w, role)).access.features).map(([k, f]) => [k, f.granted ? "granted" : f.reason]));
  // Tenant A has Organization (PRO tier: no uploads) and Accelerator.
  expect(await features("owner")).toEqual({
    "accelerator.course": "granted",
    "software.download": "granted",
    "roadmap.publish": "granted",
    "organization.manage": "granted",
  });
  expect(await features("memberSeat")).toEqual({
    "accelerator.course": "granted",
    "software.download": "granted",
    "roadmap.publish": "needs_manager",
    "organization.manage": "needs_manager",
  });
  expect((await features("memberNoSeat"))["software.download"]).toBe("needs_seat");
  expect((await features("memberNoSeat"))["accelerator.course"]).toBe("granted");
  expect((await features("memberNoEntitlement"))["software.download"]).toBe("not_live");
  expect(await features("noTenant")).toEqual({});
  const via = (await me(w, "memberSeat")).access.features["accelerator.course"]!.via;
  expect(via).toMatchObject({ tenantId: w.a.tenant.id, productKey: "accelerator", source: "stripe_payment" });
});

test("the Accelerator nav item shows only with access", async () => {
  const w = await world();
  const nav = async (role: Role) => (await (await w.roles[role]!.fetch("/pricing")).text()).includes('href="/accelerator"');
  expect(await nav("memberSeat")).toBe(true);
  expect(await nav("memberNoEntitlement")).toBe(false);
  expect(await nav("noTenant")).toBe(false);
  expect(await nav("anonymous")).toBe(false);
});

test("a locked Accelerator view is recorded and offers the upgrade", async () => {
  const w = await world();
  const before = (await env.DB.prepare("SELECT count(*) AS n FROM analytics_events WHERE name = 'accelerator_locked_view'").first<{
    n: number;
  }>())!.n;
  const res = await w.roles.noTenant!.fetch("/accelerator/foundations/pay-first");
  expect(res.status).toBe(403);
  const html = await pageText(res);
  expect(html).toContain("Accelerator is locked");
  expect(html).toContain("Enroll in Accelerator");
  const after = (await env.DB.prepare("SELECT count(*) AS n FROM analytics_events WHERE name = 'accelerator_locked_view'").first<{
    n: number;
  }>())!.n;
  expect(after).toBe(before + 1);
});

test("an unknown lesson is a 404 for those with access", async () => {
  const w = await world();
  expect((await w.roles.owner!.fetch("/accelerator/foundations/nope")).status).toBe(404);
  expect((await w.roles.owner!.fetch("/accelerator/..%2F..%2Fetc/passwd")).status).toBe(404);
});

test("the public roadmap is up while the tenant has Organization, and goes away when it is canceled", async () => {
  const o = await ownerWithOrganization(2, "Public Roadmap Co");
  await o.owner.agent.fetch(`/org/${o.tenant.slug}/roadmap`, form({ intent: "add", title: "Launch day", column: "next" }));
  expect((await o.owner.agent.fetch(`/org/${o.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" }))).status).toBe(200);
  const live = await agent().fetch(`/r/${o.tenant.slug}`);
  expect(live.status).toBe(200);
  expect(await live.text()).toContain("Launch day");

  await cancelInStripe(o.subscriptionId!, o.customerId);
  const gone = await agent().fetch(`/r/${o.tenant.slug}`);
  expect(gone.status).toBe(404);
  expect(await gone.text()).not.toContain("Launch day");
  const editor = await pageText(await o.owner.agent.fetch(`/org/${o.tenant.slug}/roadmap`));
  expect(editor).toContain("Publishing stopped");
  // Whatever the form sends, publishing again is refused.
  expect((await o.owner.agent.fetch(`/org/${o.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" }))).status).toBe(403);
});

test("the public roadmap follows the publishing feature, not a product name: no product granting it, no public page", async () => {
  const o = await provisionedTenant({ seats: 1, name: "Feature Roadmap Co" });
  await o.owner.agent.fetch(`/org/${o.tenant.slug}/roadmap`, form({ intent: "add", title: "Data-driven", column: "now" }));
  expect((await o.owner.agent.fetch(`/org/${o.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" }))).status).toBe(200);
  expect((await agent().fetch(`/r/${o.tenant.slug}`)).status).toBe(200);
  // Other files share this D1: the seeded row goes back whatever happens.
  const row = (await env.DB.prepare(
    "SELECT * FROM product_features WHERE product_id = 'prd_organization' AND price_id IS NULL AND feature_id = 'ftr_roadmap_publish'",
  ).first<Record<string, string | number | null>>())!;
  try {
    await env.DB.prepare("DELETE FROM product_features WHERE id = ?").bind(row.id).run();
    expect((await agent().fetch(`/r/${o.tenant.slug}`)).status).toBe(404);
  } finally {
    await env.DB.prepare(
      "INSERT INTO product_features (id, product_id, price_id, feature_id, limit_value, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
      .bind(row.id, row.product_id, row.price_id, row.feature_id, row.limit_value, row.created_at)
      .run();
  }
  expect((await agent().fetch(`/r/${o.tenant.slug}`)).status).toBe(200);
});

test("roadmap edits are checked: bad input is a 422 naming the field (404 for another's item) and changes nothing", async () => {
  const o = await provisionedTenant({ seats: 1, name: "Edit Check Co" });
  const path = `/org/${o.tenant.slug}/roadmap`;
  const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM roadmap_items").first<{ n: number }>())!.n;
  const before = await count();
  for (const [body, status, message] of [
    [{ intent: "add", title: "", column: "now" }, 422, "title"],
    [{ intent: "add", title: "x", column: "someday" }, 422, "column"],
    [{ intent: "add", title: "x".repeat(200), column: "now" }, 422, "title"],
    [{ intent: "explode" }, 422, "intent"],
    [{ intent: "delete", itemId: "rmi_not_mine" }, 404, null],
    [{ intent: "publish", published: "maybe" }, 422, "published"],
  ] as const) {
    const res = await o.owner.agent.fetch(path, form(body));
    expect(res.status, JSON.stringify(body)).toBe(status);
    if (message) expect(await res.text(), JSON.stringify(body)).toContain("fieldErrors");
  }
  expect(await count()).toBe(before);
});

test("past due keeps access inside the grace period and ends it after; a trial ending without a card ends it", async () => {
  const o = await provisionedTenant({ seats: 2, name: "Grace Co" });
  const ent = await env.DB.prepare("SELECT id FROM tenant_product_entitlements WHERE tenant_id = ?")
    .bind(o.tenant.id)
    .first<{ id: string }>();
  const me = async () =>
    ((await (await o.owner.agent.fetch("/api/me")).json()) as { access: { organization: boolean } }).access.organization;
  expect(await me()).toBe(true);
  // Drive the states through D1 as the webhook would have written them.
  await env.DB.prepare("UPDATE tenant_product_entitlements SET status = 'past_due', grace_until = ? WHERE id = ?")
    .bind(Date.now() + 86_400_000, ent!.id)
    .run();
  expect(await me()).toBe(true);
  await env.DB.prepare("UPDATE tenant_product_entitlements SET grace_until = ? WHERE id = ?")
    .bind(Date.now() - 1, ent!.id)
    .run();
  expect(await me()).toBe(false);
  const dash = await pageText(await o.owner.agent.fetch("/dashboard"));
  expect(dash).toContain("Past due");
});

test("cancel at period end keeps access until the period ends", async () => {
  const o = await ownerWithOrganization(2, "Period End Co");
  const seen = (await eventsFor(o.customerId)).map((e) => e.id);
  await stripe().subscriptions.update(o.subscriptionId!, { cancel_at_period_end: true });
  await deliverAll((await eventsFor(o.customerId, seen)).map((e) => e.id));
  const me = async () =>
    ((await (await o.owner.agent.fetch("/api/me")).json()) as { access: { organization: boolean } }).access.organization;
  expect(await me()).toBe(true);
  const dash = await pageText(await o.owner.agent.fetch("/dashboard"));
  expect(dash).toMatch(/Active<\/span> ends \d+ /);
  // Once the period end has passed, access ends even before Stripe's deletion arrives.
  await env.DB.prepare("UPDATE tenant_product_entitlements SET valid_until = ? WHERE tenant_id = ?")
    .bind(Date.now() - 1, o.tenant.id)
    .run();
  expect(await me()).toBe(false);
});

test("the dashboard explains why a user has access", async () => {
  const w = await world();
  const seat = await pageText(await w.roles.memberSeat!.fetch("/dashboard"));
  expect(seat).toContain("Alpha Matrix</strong>, which has Organization through a paid subscription");
  expect(seat).toContain("you hold one of its seats");
  const noSeat = await pageText(await w.roles.memberNoSeat!.fetch("/dashboard"));
  expect(noSeat).toContain("Alpha Matrix has Organization, but you do not have a seat yet.");
  expect(noSeat).toContain("Accelerator through a one-time purchase");
  const admin = await pageText(await w.roles.systemAdmin!.fetch("/dashboard"));
  expect(admin).toContain("because you are a system administrator");
});

test("JSON clients get a 403 JSON from a gated API they may not use, and the entitled user gets the data", async () => {
  const w = await world();
  // Downloads need an Organization seat: the seatless member is refused in JSON, the seated one is not.
  const refused = await w.roles.memberNoSeat!.fetch("/api/catalog/latest");
  expect(refused.status).toBe(403);
  expect(refused.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(await refused.json()).toMatchObject({ error: "no_access", message: expect.stringContaining("seat") });
  const allowed = await w.roles.memberSeat!.fetch("/api/catalog/latest");
  expect(allowed.status).toBe(200);
  expect(await allowed.json()).toMatchObject({ applications: expect.any(Array) });
});
