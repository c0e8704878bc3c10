import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { runVersionFeedJob } from "../../app/domain/jobs/version-feed.server";
import { declaredBodyTooLarge, DEFAULT_BODY_LIMIT, limitUndeclaredBody } from "../../app/infra/http/guards.server";
import { createDb } from "../../app/infra/d1/db.server";
import { packageBytes, multipart, sha256Hex, storedFor, systemApplication } from "../factories/downloads";
import { agent, type Agent, form, json, signedInAgent } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";
import { addMember, systemAdmin } from "../factories/tenants";

type World = Awaited<ReturnType<typeof buildWorld>>;
let worldPromise: Promise<World> | undefined;
const world = () => (worldPromise ??= buildWorld());

const switchProUploads = async (admin: Agent, tenantId: string, enabled: boolean) => {
  const res = await admin.fetch(`/admin/tenants/${tenantId}`, form({ intent: "pro_uploads", enabled: String(enabled) }));
  if (res.status !== 200) throw new Error(`switch failed: ${res.status}`);
};

// Tenant A: Organization MAX (Pro, 21 seats), uploads switched on, one uploaded package; owner
// (seated), a seated member, a seatless member. Tenant B: Organization PRO tier (not Pro uploads).
// Tenant C: Organization canceled; its member has no entitlement. Plus a system application.
async function buildWorld() {
  const a = await provisionedTenant({ seats: 21, name: "Alpha Downloads", price: "max" });
  const ownerA = a.owner;
  const memberSeat = await addMember(a.tenant.id, { seat: true });
  const memberNoSeat = await addMember(a.tenant.id);
  const tenantAdmin = await addMember(a.tenant.id, { role: "admin", seat: true });
  const b = await provisionedTenant({ seats: 2, name: "Beta Downloads" });
  const c = await provisionedTenant({ seats: 1, name: "Gamma Downloads", status: "canceled" });
  const memberC = await addMember(c.tenant.id);
  const noTenant = await signedInAgent();
  const admin = await systemAdmin();

  const systemFile = packageBytes("exe", 2048, 1);
  const sysApp = await systemApplication(admin.user.id, "Gatehouse Agent", [{ version: "1.0.0", bytes: systemFile }]);
  await switchProUploads(admin.agent, a.tenant.id, true);
  const tenantFile = packageBytes("msi", 1500, 2);
  const up = await ownerA.agent.fetch(
    `/api/pro/uploads?tenant=${a.tenant.slug}`,
    multipart({ application: "Alpha Tool", version: "2.1.0" }, { name: "AlphaTool-2.1.0.msi", bytes: tenantFile }),
  );
  if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${await up.text()}`);
  const uploaded = (await up.json()) as { id: string; sha256: string };

  const roles: Record<Role, Agent> = {
    anonymous: agent(),
    noTenant: noTenant.agent,
    memberNoEntitlement: memberC.agent,
    memberNoSeat: memberNoSeat.agent,
    memberSeat: memberSeat.agent,
    owner: ownerA.agent,
    otherOwner: b.owner.agent,
    systemAdmin: admin.agent,
  };
  return { a, b, c, roles, admin, ownerA, tenantAdmin, memberSeat, sysApp, systemFile, tenantFile, uploaded };
}

const ROLES = ["anonymous", "noTenant", "memberNoEntitlement", "memberNoSeat", "memberSeat", "owner", "otherOwner", "systemAdmin"] as const;
type Role = (typeof ROLES)[number];

type Latest = {
  applications: {
    id: string;
    name: string;
    catalog: string;
    latest: { version: string; sha256: string; size: number; downloadUrl: string };
  }[];
};

test("GET /api/catalog/latest across the authorization matrix", async () => {
  const w = await world();
  const expected: Record<Role, number | string[]> = {
    anonymous: 401,
    noTenant: 403,
    memberNoEntitlement: 403,
    memberNoSeat: 403,
    memberSeat: ["Alpha Tool", "Gatehouse Agent"],
    owner: ["Alpha Tool", "Gatehouse Agent"],
    otherOwner: ["Gatehouse Agent"],
    systemAdmin: ["Gatehouse Agent"],
  };
  for (const role of ROLES) {
    const res = await w.roles[role].fetch("/api/catalog/latest");
    const want = expected[role];
    if (typeof want === "number") {
      expect(res.status, role).toBe(want);
      const body = await res.text();
      expect(body, role).not.toContain("Gatehouse Agent");
      expect(body, role).not.toContain(w.uploaded.sha256);
      continue;
    }
    expect(res.status, role).toBe(200);
    const body = (await res.json()) as Latest;
    expect(body.applications.map((a) => a.name).sort(), role).toEqual(want);
    const agentApp = body.applications.find((a) => a.name === "Gatehouse Agent")!;
    expect(agentApp.catalog).toBe("system");
    expect(agentApp.latest).toMatchObject({
      version: "1.0.0",
      sha256: await sha256Hex(w.systemFile),
      size: 2048,
      downloadUrl: `/downloads/${w.sysApp.versions[0]!.id}`,
    });
  }
});

test("downloads stream only after this request's access check, with the stored checksum", async () => {
  const w = await world();
  const sys = `/downloads/${w.sysApp.versions[0]!.id}`;
  const mine = `/downloads/${w.uploaded.id}`;
  // 302 = to login; 403 = no Organization access / no seat; 404 = another tenant's file (not even its existence).
  const expected: Record<Role, [number, number]> = {
    anonymous: [302, 302],
    noTenant: [403, 404],
    memberNoEntitlement: [403, 404],
    memberNoSeat: [403, 403],
    memberSeat: [200, 200],
    owner: [200, 200],
    otherOwner: [200, 404],
    systemAdmin: [200, 200],
  };
  for (const role of ROLES) {
    const [sysStatus, mineStatus] = expected[role];
    const r1 = await w.roles[role].fetch(sys);
    expect(r1.status, `${role} system file`).toBe(sysStatus);
    const b1 = new Uint8Array(await r1.arrayBuffer());
    if (sysStatus === 200) {
      expect(await sha256Hex(b1)).toBe(await sha256Hex(w.systemFile));
      expect(r1.headers.get("X-Checksum-SHA256")).toBe(await sha256Hex(w.systemFile));
      expect(r1.headers.get("Content-Disposition")).toContain("attachment");
    } else expect(b1.byteLength === w.systemFile.byteLength && b1[0] === 0x4d && b1[1] === 0x5a).toBe(false);
    const r2 = await w.roles[role].fetch(mine);
    expect(r2.status, `${role} tenant file`).toBe(mineStatus);
    const b2 = await r2.arrayBuffer();
    if (mineStatus === 200) expect(await sha256Hex(b2)).toBe(w.uploaded.sha256);
  }
  expect((await w.roles.memberSeat.fetch("/downloads/ver_doesnotexist")).status).toBe(404);
  expect((await w.roles.memberSeat.fetch("/downloads/..%2Ffeeds%2Fx")).status).toBe(422);
});

test("Pro uploads refuse bad packages with a clear 4xx and store nothing", async () => {
  const w = await world();
  const slug = w.a.tenant.slug;
  const before = await storedFor(w.a.tenant.id);
  const exe = (size = 1000, seed = 3) => ({ name: "Tool.exe", bytes: packageBytes("exe", size, seed) });
  const cases: {
    name: string;
    as?: Agent;
    fields?: Record<string, string>;
    file?: { name: string; bytes: Uint8Array<ArrayBuffer> };
    status: number;
    error: string;
  }[] = [
    { name: "wrong signature", file: { name: "Tool.exe", bytes: packageBytes("zip") }, status: 415, error: "bad_signature" },
    { name: "MSI bytes named .exe", file: { name: "Tool.exe", bytes: packageBytes("msi") }, status: 415, error: "bad_signature" },
    { name: "too big (limit + 1)", file: exe(4097), status: 413, error: "payload_too_large" },
    {
      name: "duplicate version",
      fields: { version: "2.1.0", application: "Alpha Tool" },
      file: exe(),
      status: 409,
      error: "duplicate_version",
    },
    { name: "bad version", fields: { version: "latest" }, file: exe(), status: 422, error: "invalid_input" },
    { name: "unsafe file name", file: { name: "../evil.exe", bytes: packageBytes("exe") }, status: 422, error: "invalid_input" },
    { name: "not a package extension", file: { name: "Tool.zip", bytes: packageBytes("exe") }, status: 422, error: "invalid_input" },
    { name: "no file", status: 422, error: "invalid_input" },
    { name: "plain member", as: w.memberSeat.agent, file: exe(), status: 403, error: "no_access" },
    { name: "another tenant's owner", as: w.b.owner.agent, file: exe(), status: 404, error: "not_found" },
  ];
  for (const c of cases) {
    const fields = { application: "Another Tool", version: "3.0.0", ...c.fields };
    const res = await (c.as ?? w.ownerA.agent).fetch(`/api/pro/uploads?tenant=${slug}`, multipart(fields, c.file));
    expect(res.status, c.name).toBe(c.status);
    expect(((await res.json()) as { error: string }).error, c.name).toBe(c.error);
    expect(await storedFor(w.a.tenant.id), c.name).toEqual(before);
  }
  // Signed out: 401. A body that is not multipart: 400. No ?tenant=, or a body naming another tenant: 422.
  expect((await agent().fetch(`/api/pro/uploads?tenant=${slug}`, multipart({}))).status).toBe(401);
  expect((await w.ownerA.agent.fetch(`/api/pro/uploads?tenant=${slug}`, json({ tenant: slug }))).status).toBe(400);
  expect(
    (await w.ownerA.agent.fetch("/api/pro/uploads", multipart({ tenant: slug, application: "Another Tool", version: "3.0.0" }, exe())))
      .status,
  ).toBe(422);
  const mismatch = await w.ownerA.agent.fetch(
    `/api/pro/uploads?tenant=${slug}`,
    multipart({ tenant: w.b.tenant.slug, application: "Another Tool", version: "3.0.0" }, exe()),
  );
  expect(mismatch.status).toBe(422);
  expect(await mismatch.json()).toMatchObject({ fieldErrors: { tenant: [expect.stringContaining("does not match")] } });
  expect(await storedFor(w.a.tenant.id)).toEqual(before);
});

test("uploads need the Pro plan and the admin switch; a new version supersedes the last", async () => {
  const w = await world();
  const file = { name: "Tool.exe", bytes: packageBytes("exe", 900, 9) };
  // Tenant B is on the PRO tier (not the Pro plan): refused even with the switch on.
  await switchProUploads(w.admin.agent, w.b.tenant.id, true);
  const notPro = await w.b.owner.agent.fetch(
    `/api/pro/uploads?tenant=${w.b.tenant.slug}`,
    multipart({ application: "Beta", version: "1.0" }, file),
  );
  expect(notPro.status).toBe(403);
  expect(((await notPro.json()) as { message: string }).message).toMatch(/Pro plan/);
  expect(await storedFor(w.b.tenant.id)).toEqual({ versions: 0, objects: 0 });

  // Tenant A with the switch off: refused; the switch is audited.
  await switchProUploads(w.admin.agent, w.a.tenant.id, false);
  const before = await storedFor(w.a.tenant.id);
  const off = await w.ownerA.agent.fetch(
    `/api/pro/uploads?tenant=${w.a.tenant.slug}`,
    multipart({ application: "Alpha Tool", version: "2.2.0" }, file),
  );
  expect(off.status).toBe(403);
  expect(((await off.json()) as { message: string }).message).toMatch(/not switched on/);
  expect(await storedFor(w.a.tenant.id)).toEqual(before);
  const audit = await env.DB.prepare("SELECT after FROM audit_log WHERE action = 'tenant.pro_uploads' AND tenant_id = ? ORDER BY id")
    .bind(w.a.tenant.id)
    .all<{ after: string }>();
  expect(audit.results.map((r) => JSON.parse(r.after) as unknown)).toEqual([{ enabled: true }, { enabled: false }]);

  // Back on: a tenant admin uploads 2.2.0 through the page, which supersedes 2.1.0.
  await switchProUploads(w.admin.agent, w.a.tenant.id, true);
  const page = await w.tenantAdmin.agent.fetch(
    `/org/${w.a.tenant.slug}/software`,
    multipart({ application: "Alpha Tool", version: "2.2.0" }, file),
  );
  expect(page.status).toBe(200);
  const latest = (await (await w.memberSeat.agent.fetch("/api/catalog/latest")).json()) as Latest;
  expect(latest.applications.find((a) => a.name === "Alpha Tool")!.latest.version).toBe("2.2.0");
  const old = await env.DB.prepare("SELECT superseded_by FROM software_versions WHERE id = ?")
    .bind(w.uploaded.id)
    .first<{ superseded_by: string | null }>();
  expect(old?.superseded_by).toMatch(/^ver_/);
  const uploads = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'software.upload' AND tenant_id = ?")
    .bind(w.a.tenant.id)
    .first<{ n: number }>();
  expect(uploads?.n).toBe(2);
});

test("an admin adds an application and a version in the console; non-admins cannot", async () => {
  const w = await world();
  const addApp = await w.admin.agent.fetch(
    "/admin/software",
    multipart({ intent: "add_application", name: "Console Tool", vendor: "Acme" }),
  );
  expect(addApp.status).toBe(200);
  const app = await env.DB.prepare("SELECT id FROM software_applications WHERE name = 'Console Tool'").first<{ id: string }>();
  const bytes = packageBytes("msi", 3000, 5);
  const addVersion = await w.admin.agent.fetch(
    "/admin/software",
    multipart({ intent: "add_version", applicationId: app!.id, version: "0.9.1" }, { name: "console-tool.msi", bytes }),
  );
  expect(addVersion.status).toBe(200);
  const latest = (await (await w.memberSeat.agent.fetch("/api/catalog/latest")).json()) as Latest;
  expect(latest.applications.find((a) => a.name === "Console Tool")?.latest.sha256).toBe(await sha256Hex(bytes));
  // A refused version (bad signature) changes nothing; plain users get 403.
  const bad = await w.admin.agent.fetch(
    "/admin/software",
    multipart({ intent: "add_version", applicationId: app!.id, version: "0.9.2" }, { name: "x.exe", bytes: packageBytes("zip") }),
  );
  expect(bad.status).toBe(415);
  expect((await w.ownerA.agent.fetch("/admin/software", multipart({ intent: "add_application", name: "Nope", vendor: "x" }))).status).toBe(
    403,
  );
  expect((await w.ownerA.agent.fetch("/admin/software")).status).toBe(403);
  const count = await env.DB.prepare("SELECT count(*) AS n FROM software_versions WHERE application_id = ?")
    .bind(app!.id)
    .first<{ n: number }>();
  expect(count?.n).toBe(1);
});

test("the version feed job publishes new feed versions once, however often it runs", async () => {
  const w = await world();
  const db = createDb(env.DB);
  const app = await systemApplication(w.admin.user.id, "Feed Tool");
  const files = [packageBytes("exe", 700, 11), packageBytes("exe", 800, 12), packageBytes("exe", 900, 13)];
  for (const [i, f] of files.entries()) await env.FILES.put(`releases/feed-tool/${i}.exe`, f);
  const entry = async (version: string, i: number) => ({ version, key: `releases/feed-tool/${i}.exe`, sha256: await sha256Hex(files[i]!) });
  const feed = { versions: [await entry("1.0.0", 0), await entry("1.1.0", 1), { version: "not a version", key: "x", sha256: "0" }] };
  await env.FILES.put(`feeds/${app.slug}.json`, JSON.stringify(feed));
  const versionsOf = () =>
    env.DB.prepare("SELECT version, superseded_by FROM software_versions WHERE application_id = ? ORDER BY version")
      .bind(app.id)
      .all<{ version: string; superseded_by: string | null }>();

  const first = await runVersionFeedJob({ db, files: env.FILES, now: () => Date.now() });
  expect(first.status).toBe("succeeded");
  expect(first.counts).toMatchObject({ versionsAdded: 2, entriesRejected: 1 });
  const second = await runVersionFeedJob({ db, files: env.FILES, now: () => Date.now() });
  expect(second.counts).toMatchObject({ versionsAdded: 0 });
  let rows = (await versionsOf()).results;
  expect(rows.map((r) => r.version)).toEqual(["1.0.0", "1.1.0"]);
  expect(rows.filter((r) => r.superseded_by === null).map((r) => r.version)).toEqual(["1.1.0"]);

  // A new entry (and an entry whose file is missing) on the next run: one more version, now the latest.
  // A new entry, one whose file is missing and one whose checksum does not match its file: one more version.
  feed.versions.push(
    await entry("1.2.0", 2),
    { version: "1.3.0", key: "releases/feed-tool/missing.exe", sha256: "b".repeat(64) },
    { version: "1.4.0", key: "releases/feed-tool/0.exe", sha256: await sha256Hex(files[1]!) },
  );
  await env.FILES.put(`feeds/${app.slug}.json`, JSON.stringify(feed));
  const third = await runVersionFeedJob({ db, files: env.FILES, now: () => Date.now() });
  expect(third.counts).toMatchObject({ versionsAdded: 1, filesMissing: 1, checksumMismatches: 1 });
  await runVersionFeedJob({ db, files: env.FILES, now: () => Date.now() });
  rows = (await versionsOf()).results;
  expect(rows.map((r) => r.version)).toEqual(["1.0.0", "1.1.0", "1.2.0"]);
  expect(rows.filter((r) => r.superseded_by === null).map((r) => r.version)).toEqual(["1.2.0"]);
  const latest = (await (await w.memberSeat.agent.fetch("/api/catalog/latest")).json()) as Latest;
  expect(latest.applications.find((a) => a.name === "Feed Tool")?.latest).toMatchObject({
    version: "1.2.0",
    sha256: await sha256Hex(files[2]!),
    size: 900,
  });
  const runs = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE type = 'version_feed' AND status = 'succeeded'").first<{
    n: number;
  }>();
  expect(runs?.n).toBe(4);
});

test("client check-ins count observed clients against the licensed seats", async () => {
  const w = await world();
  const slug = w.b.tenant.slug;
  // Owners rotate the token on the software page; plain members cannot.
  const rotate = await w.b.owner.agent.fetch(`/org/${slug}/software`, form({ intent: "rotate_token" }));
  expect(rotate.status).toBe(200);
  const token = /glt_[0-9a-z]+/.exec(await rotate.text())?.[0];
  expect(token).toBeDefined();
  const checkIn = (clientId: string, t = token!) => agent().fetch("/api/clients/check-in", json({ token: t, clientId }));
  expect(await (await checkIn("pc-1")).json()).toEqual({ licensed: 2, observed: 1, compliance: "ok" });
  expect(await (await checkIn("pc-1")).json()).toEqual({ licensed: 2, observed: 1, compliance: "ok" });
  await checkIn("pc-2");
  expect(await (await checkIn("pc-3")).json()).toEqual({ licensed: 2, observed: 3, compliance: "over_limit" });
  expect((await checkIn("pc-4", "glt_wrongwrongwrong")).status).toBe(401);
  expect((await checkIn("bad id with spaces")).status).toBe(422);
  expect((await agent().fetch("/api/clients/check-in", json("{oops"))).status).toBe(400);
  // The dashboard shows it; a rotated token stops working.
  const dash = (await (await w.b.owner.agent.fetch("/dashboard")).text()).replace(/<!-- -->/g, "");
  expect(dash).toContain("Clients: <strong>3</strong> observed of <strong>2</strong> licensed · over licence");
  const again = await w.b.owner.agent.fetch(`/org/${slug}/software`, form({ intent: "rotate_token" }));
  expect(again.status).toBe(200);
  expect((await checkIn("pc-1")).status).toBe(401);
  const member = await addMember(w.b.tenant.id, { seat: true });
  expect((await member.agent.fetch(`/org/${slug}/software`, form({ intent: "rotate_token" }))).status).toBe(403);
  expect((await w.ownerA.agent.fetch(`/org/${slug}/software`)).status).toBe(404);
});

test("the dashboard lists the latest downloads for a seated member and not for a seatless one", async () => {
  const w = await world();
  const seated = (await (await w.memberSeat.agent.fetch("/dashboard")).text()).replace(/<!-- -->/g, "");
  expect(seated).toContain("Download Gatehouse Agent 1.0.0");
  expect(seated).toContain(`/downloads/${w.sysApp.versions[0]!.id}`);
  const seatless = await (await w.roles.memberNoSeat.fetch("/dashboard")).text();
  expect(seatless).not.toContain("/downloads/");
});

test("upload paths are exempt from the 256 KiB request limit (they enforce UPLOAD_MAX_BYTES), other paths are not", () => {
  const big = (path: string) =>
    new Request(`http://127.0.0.1:8787${path}`, {
      method: "POST",
      headers: { "Content-Length": String(DEFAULT_BODY_LIMIT + 1) },
      body: "x",
    });
  for (const path of ["/api/pro/uploads", "/admin/software", "/org/acme/software"])
    expect(declaredBodyTooLarge(big(path)), path).toBe(false);
  for (const path of ["/api/clients/check-in", "/org/acme/members", "/admin/tenants/x", "/org/acme/software/x"])
    expect(declaredBodyTooLarge(big(path)), path).toBe(true);
  const undeclared = new Request("http://127.0.0.1:8787/api/pro/uploads", {
    method: "POST",
    body: new Blob(["x"]).stream(),
    duplex: "half",
  } as RequestInit);
  expect(limitUndeclaredBody(undeclared)).toBe(undeclared);
});
