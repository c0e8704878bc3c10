import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { form, pageText } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";

const roadmapOf = (tenantId: string) =>
  env.DB.prepare(
    "SELECT r.published, (SELECT count(*) FROM roadmap_items i WHERE i.roadmap_id = r.id) AS items FROM roadmaps r WHERE r.tenant_id = ?",
  )
    .bind(tenantId)
    .first<{ published: number; items: number }>();

const audits = async (tenantId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND action LIKE 'roadmap.%'")
    .bind(tenantId)
    .first<{ n: number }>())!.n;

test("roadmap.items.max caps a published roadmap: no limit as seeded; a limit refuses publishing and adding past it with a 409 naming the feature, the limit and the upgrade", async () => {
  const org = await provisionedTenant({ name: "Roadmap Limits" });
  const path = `/org/${org.tenant.slug}/roadmap`;
  const post = (fields: Record<string, string>) => org.owner.agent.fetch(path, form(fields));
  for (const title of ["One", "Two", "Three"]) expect((await post({ intent: "add", title, column: "now" })).status).toBe(200);

  // As seeded, no product grants the limit: Organization publishes any number of items, as before.
  expect((await post({ intent: "publish", published: "true" })).status).toBe(200);
  expect(await roadmapOf(org.tenant.id)).toEqual({ published: 1, items: 3 });
  expect((await post({ intent: "publish", published: "false" })).status).toBe(200);

  // A limit of 2 (here a single-feature grant; a product or price row works the same way).
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO tenant_feature_grants (id, tenant_id, feature_id, limit_value, status, valid_from, valid_until, reason, granted_by, created_at, updated_at)
     VALUES (?, ?, 'ftr_roadmap_items_max', 2, 'active', ?, ?, 'Starter plan test', ?, ?, ?)`,
  )
    .bind(`tfg_${crypto.randomUUID().slice(0, 12)}`, org.tenant.id, now - 1000, now + 86_400_000, org.owner.user.id, now, now)
    .run();
  const before = await audits(org.tenant.id);
  const refused = await post({ intent: "publish", published: "true" });
  expect(refused.status).toBe(409);
  const text = await pageText(refused);
  expect(text).toContain("at most 2 items on your plan (Roadmap items, roadmap.items.max)");
  expect(text).toContain("upgrade for a larger limit: /pricing");
  expect(await roadmapOf(org.tenant.id)).toEqual({ published: 0, items: 3 });
  expect(await audits(org.tenant.id)).toBe(before);

  // Within the limit it publishes; a new item past it is refused while the roadmap is public.
  const item = (await env.DB.prepare(
    "SELECT i.id FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id WHERE r.tenant_id = ? AND i.title = 'Three'",
  )
    .bind(org.tenant.id)
    .first<{ id: string }>())!;
  expect((await post({ intent: "delete", itemId: item.id })).status).toBe(200);
  expect((await post({ intent: "publish", published: "true" })).status).toBe(200);
  const extra = await post({ intent: "add", title: "Three again", column: "later" });
  expect(extra.status).toBe(409);
  expect(await pageText(extra)).toContain("roadmap.items.max");
  expect(await roadmapOf(org.tenant.id)).toEqual({ published: 1, items: 2 });
});
