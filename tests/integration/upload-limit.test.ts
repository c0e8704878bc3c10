// Limits are data (ADR 018): a package's size is capped by the tenant's `uploads.max_bytes` limit
// feature where it is below the Worker's UPLOAD_MAX_BYTES (4096 in tests). Changing a grant or a
// product_features row changes the limit, with no code.
import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { multipart, packageBytes, storedFor } from "../factories/downloads";
import { BASE, callWorker, form, type Agent } from "../factories/http";
import { PRICE } from "../factories/billing";
import { provisionedTenant } from "../factories/provisioned";
import { systemAdmin } from "../factories/tenants";

const featureId = async (key: string) =>
  (await env.DB.prepare("SELECT id FROM features WHERE key = ?").bind(key).first<{ id: string }>())!.id;

async function adminDo(admin: Agent, tenantId: string, fields: Record<string, string>) {
  const res = await admin.fetch(`/admin/tenants/${tenantId}`, form(fields));
  if (res.status !== 200) throw new Error(`${fields.intent} failed: ${res.status} ${await res.text()}`);
}

const grantLimit = async (admin: Agent, tenantId: string, limit: number) =>
  adminDo(admin, tenantId, {
    intent: "grant_feature",
    featureId: await featureId("uploads.max_bytes"),
    days: "30",
    limit: String(limit),
    reason: `Pilot upload size ${limit}`,
  });

const upload = (owner: Agent, slug: string, size: number, version: string) =>
  owner.fetch(
    `/api/pro/uploads?tenant=${slug}`,
    multipart({ application: "Limit Tool", version }, { name: `LimitTool-${version}.exe`, bytes: packageBytes("exe", size, 3) }),
  );

test("the upload size comes from the tenant's uploads.max_bytes grant: over it is a 413 naming the feature, and nothing is stored", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Granted Uploads" });
  const admin = await systemAdmin();
  // Uploads themselves by a grant too (the PRO tier has none), then the size limit.
  await adminDo(admin.agent, org.tenant.id, {
    intent: "grant_feature",
    featureId: await featureId("uploads.pro"),
    days: "30",
    limit: "",
    reason: "Pilot uploads",
  });
  await adminDo(admin.agent, org.tenant.id, { intent: "pro_uploads", enabled: "true" });
  await grantLimit(admin.agent, org.tenant.id, 1000);
  const before = await storedFor(org.tenant.id);

  const over = await upload(org.owner.agent, org.tenant.slug, 1500, "1.0.0");
  expect(over.status).toBe(413);
  const body = (await over.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ error: "payload_too_large", feature: "uploads.max_bytes", limit: 1000, upgradeUrl: "/pricing" });
  expect(body.message).toEqual(expect.stringContaining("uploads.max_bytes"));
  expect(await storedFor(org.tenant.id)).toEqual(before);

  // A declared body over the feature's limit (but under the Worker's ceiling) is refused before it is read.
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++, c.close()) }, { highWaterMark: 0 });
  const declared = await callWorker(
    new Request(`${BASE}/api/pro/uploads?tenant=${org.tenant.slug}`, {
      method: "POST",
      headers: {
        Origin: BASE,
        Cookie: org.owner.agent.cookie!,
        "Content-Type": "multipart/form-data; boundary=gatehouse",
        "Content-Length": String(1000 + 64 * 1024 + 1),
      },
      body: stream,
      duplex: "half",
    } as RequestInit),
  );
  expect(pulls).toBe(0);
  expect(declared.status).toBe(413);
  expect(await declared.json()).toMatchObject({ feature: "uploads.max_bytes", limit: 1000 });

  expect((await upload(org.owner.agent, org.tenant.slug, 800, "1.0.1")).status).toBe(201);

  // A larger grant: the largest live limit applies, so the same file now goes through.
  await grantLimit(admin.agent, org.tenant.id, 2000);
  expect((await upload(org.owner.agent, org.tenant.slug, 1500, "1.0.2")).status).toBe(201);
});

test("the MAX price's product_features row sets the limit: lower it and uploads over it are refused, restore it and they pass", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Row Limited Uploads", price: "max" });
  const admin = await systemAdmin();
  await adminDo(admin.agent, org.tenant.id, { intent: "pro_uploads", enabled: "true" });
  // Seeded above the Worker's ceiling: today's limit (UPLOAD_MAX_BYTES) applies.
  expect((await upload(org.owner.agent, org.tenant.slug, 3000, "2.0.0")).status).toBe(201);

  const row = env.DB.prepare("UPDATE product_features SET limit_value = ? WHERE price_id = ? AND feature_id = ? RETURNING id");
  const ftr = await featureId("uploads.max_bytes");
  const seeded = await env.DB.prepare("SELECT limit_value AS v FROM product_features WHERE price_id = ? AND feature_id = ?")
    .bind(PRICE.max, ftr)
    .first<{ v: number }>();
  expect(seeded?.v).toBe(512 * 1024 * 1024);
  try {
    expect(await row.bind(1000, PRICE.max, ftr).first()).not.toBeNull();
    const over = await upload(org.owner.agent, org.tenant.slug, 1500, "2.0.1");
    expect(over.status).toBe(413);
    expect(await over.json()).toMatchObject({ feature: "uploads.max_bytes", limit: 1000, upgradeUrl: "/pricing" });
    // The page shows the same limit.
    expect(await (await org.owner.agent.fetch(`/org/${org.tenant.slug}/software`)).text()).toContain("1000 B");
  } finally {
    await row.bind(seeded!.v, PRICE.max, ftr).run();
  }
  expect((await upload(org.owner.agent, org.tenant.slug, 1500, "2.0.2")).status).toBe(201);
});
