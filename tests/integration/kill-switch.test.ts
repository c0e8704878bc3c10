import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { multipart, packageBytes, storedFor, systemApplication } from "../factories/downloads";
import { type Agent, BASE, callWorker, form, json, pageText } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";
import { systemAdmin } from "../factories/tenants";

// ACCESS_KILL_SWITCH (the rollback plan): on, every entitlement-gated page and API answers the
// locked 403 to everyone but system admins, shows no gated content and changes no data. It is a
// wrangler var; these requests run the Worker with it set in their bindings, the rest of the suite
// (wrangler.toml's "false") shows it is off by default.

const OUTLINE_SECRET = "Pay first, provision second";
const LESSON_SECRET = "Never create an account, a team or a licence before the money is confirmed";
const SWITCHED_OFF = "temporarily unavailable for everyone";

const switchedOn = { ...env, ACCESS_KILL_SWITCH: "true" } as Env;

/** The agent's request, as agent.fetch sends it, to the Worker with the kill switch on. */
function killed(a: Agent, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (a.cookie) headers.set("Cookie", a.cookie);
  headers.set("CF-Connecting-IP", a.ip);
  headers.set("Host", new URL(BASE).host);
  if (init.method && init.method !== "GET") headers.set("Origin", BASE);
  return callWorker(new Request(`${BASE}${path}`, { ...init, headers, redirect: "manual" }), switchedOn);
}

type World = Awaited<ReturnType<typeof buildWorld>>;
let worldPromise: Promise<World> | undefined;
const world = () => (worldPromise ??= buildWorld());

// An owner entitled to everything: Organization MAX (Pro, seated, uploads on) and Accelerator; a
// system admin; a system application with a version.
async function buildWorld() {
  const t = await provisionedTenant({ seats: 3, name: "Kill Switch Co", price: "max" });
  const admin = await systemAdmin();
  const granted = await admin.agent.fetch(
    "/api/admin/grants",
    json({ tenantId: t.tenant.id, productKey: "accelerator", reason: "Kill switch test: Accelerator for the owner" }),
  );
  if (granted.status !== 201) throw new Error(`grant failed: ${granted.status} ${await granted.text()}`);
  const enabled = await admin.agent.fetch(`/admin/tenants/${t.tenant.id}`, form({ intent: "pro_uploads", enabled: "true" }));
  if (enabled.status !== 200) throw new Error(`pro uploads switch failed: ${enabled.status}`);
  const app = await systemApplication(admin.user.id, "Kill Switch Agent", [{ version: "1.0.0", bytes: packageBytes("exe", 1024, 3) }]);
  return { ...t, admin, versionId: app.versions[0]!.id };
}

/** Every row (and stored file) the gated endpoints could read or change for this tenant and its owner. */
async function rowsOf(w: World) {
  const all = async (sql: string, ...binds: unknown[]) =>
    (
      await env.DB.prepare(sql)
        .bind(...binds)
        .all()
    ).results;
  return {
    entitlements: await all("SELECT * FROM tenant_product_entitlements WHERE tenant_id = ? ORDER BY id", w.tenant.id),
    seats: await all("SELECT * FROM tenant_entitlement_seat_assignments WHERE tenant_id = ? ORDER BY id", w.tenant.id),
    subscriptions: await all("SELECT * FROM subscriptions WHERE tenant_id = ? ORDER BY id", w.tenant.id),
    memberships: await all("SELECT * FROM tenant_memberships WHERE tenant_id = ? ORDER BY id", w.tenant.id),
    roadmaps: await all("SELECT * FROM roadmaps WHERE tenant_id = ?", w.tenant.id),
    audit: await all("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ?", w.tenant.id),
    analytics: await all("SELECT count(*) AS n FROM analytics_events WHERE user_id = ?", w.owner.user.id),
    stored: await storedFor(w.tenant.id),
  };
}

test("switched on, an entitled owner gets the locked 403 on every kind of gated page and API, and no row changes", async () => {
  const w = await world();
  const owner = w.owner.agent;
  const before = await rowsOf(w);

  const index = await killed(owner, "/accelerator");
  expect(index.status).toBe(403);
  const indexText = await pageText(index);
  expect(indexText).toContain("Accelerator is locked");
  expect(indexText).toContain(SWITCHED_OFF);
  expect(indexText).not.toContain(OUTLINE_SECRET);
  expect(indexText).not.toContain("Enroll in Accelerator");

  const lesson = await killed(owner, "/accelerator/foundations/pay-first.data");
  expect(lesson.status).toBe(403);
  expect(await lesson.text()).not.toContain(LESSON_SECRET);

  const latest = await killed(owner, "/api/catalog/latest");
  expect(latest.status).toBe(403);
  expect(await latest.json()).toEqual({ error: "no_access", message: expect.stringContaining(SWITCHED_OFF) });

  const download = await killed(owner, `/downloads/${w.versionId}`);
  expect(download.status).toBe(403);
  expect(await download.json()).toEqual({ error: "no_access", message: expect.stringContaining(SWITCHED_OFF) });

  const publish = await killed(owner, `/org/${w.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" }));
  expect(publish.status).toBe(403);
  expect(await pageText(publish)).toContain(SWITCHED_OFF);
  expect(await pageText(await killed(owner, `/org/${w.tenant.slug}/roadmap`))).toContain(
    "Publishing is temporarily unavailable for everyone",
  );

  const upload = await killed(owner, `/api/pro/uploads?tenant=${w.tenant.slug}`, {
    ...multipart({ application: "Switched Off App", version: "1.0.0" }, { name: "app.msi", bytes: packageBytes("msi", 800, 4) }),
  });
  expect(upload.status).toBe(403);
  expect(await upload.json()).toEqual({ error: "no_access", message: expect.stringContaining(SWITCHED_OFF) });

  // The dashboard (not gated) says why, and lists no downloads.
  const dashboard = await pageText(await killed(owner, "/dashboard"));
  expect(dashboard).toContain("Organization: no. Organization is temporarily unavailable for everyone");
  expect(dashboard).not.toContain('data-testid="downloads"');

  expect(await rowsOf(w)).toEqual(before);
});

test("switched on, a system admin still gets through", async () => {
  const w = await world();
  const admin = w.admin.agent;
  const index = await killed(admin, "/accelerator");
  expect(index.status).toBe(200);
  expect(await pageText(index)).toContain(OUTLINE_SECRET);
  const latest = await killed(admin, "/api/catalog/latest");
  expect(latest.status).toBe(200);
  expect(((await latest.json()) as { applications: { name: string }[] }).applications.map((a) => a.name)).toContain("Kill Switch Agent");
  const download = await killed(admin, `/downloads/${w.versionId}`);
  expect(download.status).toBe(200);
  expect((await download.arrayBuffer()).byteLength).toBe(1024);
});

test("off by default: the same owner reaches the same endpoints", async () => {
  const w = await world();
  const owner = w.owner.agent;
  expect(env.ACCESS_KILL_SWITCH).toBe("false");
  const index = await owner.fetch("/accelerator");
  expect(index.status).toBe(200);
  expect(await pageText(index)).toContain(OUTLINE_SECRET);
  expect((await owner.fetch("/accelerator/foundations/pay-first.data")).status).toBe(200);
  expect((await owner.fetch("/api/catalog/latest")).status).toBe(200);
  const download = await owner.fetch(`/downloads/${w.versionId}`);
  expect(download.status).toBe(200);
  await download.arrayBuffer();
});

test("a value other than true or false is refused, naming the variable, rather than read as off", async () => {
  const request = new Request(`${BASE}/api/catalog/latest`);
  await expect(callWorker(request, { ...env, ACCESS_KILL_SWITCH: "yes" } as Env)).rejects.toThrow(/ACCESS_KILL_SWITCH/);
});
