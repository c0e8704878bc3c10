import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { form, pageText } from "../factories/http";
import { systemAdmin } from "../factories/tenants";

const version = async (productId: string) =>
  (await env.DB.prepare("SELECT features_version AS v FROM products WHERE id = ?").bind(productId).first<{ v: number }>())!.v;

test("a product's feature set is versioned: every change bumps the version, audited with the old and the new set, shown on the catalog page", async () => {
  const admin = await systemAdmin();
  const post = (fields: Record<string, string>) => admin.agent.fetch("/admin/catalog", form(fields));
  const productKey = `versioned_${crypto.randomUUID().slice(0, 8)}`;
  expect((await post({ intent: "create_product", key: productKey, name: "Versioned", kind: "subscription" })).status).toBe(200);
  const productId = (await env.DB.prepare("SELECT id FROM products WHERE key = ?").bind(productKey).first<{ id: string }>())!.id;
  expect(await version(productId)).toBe(1);

  const featureKey = `versioned.export_${Date.now().toString(36)}`;
  expect((await post({ intent: "create_feature", key: featureKey, name: "Export", kind: "boolean", scope: "user" })).status).toBe(200);
  const featureId = (await env.DB.prepare("SELECT id FROM features WHERE key = ?").bind(featureKey).first<{ id: string }>())!.id;

  // The page says, before anything is saved, that a change reaches existing entitlements at once.
  const page = await pageText(await admin.agent.fetch("/admin/catalog"));
  expect(page).toContain("applies at once to every existing entitlement of Versioned");
  expect(page).toMatch(/Versioned <span class="badge">unpublished<\/span>[\s\S]*?version 1<\/span>/);

  const add = { intent: "add_feature", productId, featureId, reason: "Export ships" };
  expect((await post(add)).status).toBe(200);
  expect((await post({ intent: "add_feature", productId, featureId: "ftr_software_download", reason: "Downloads too" })).status).toBe(200);
  expect(await version(productId)).toBe(3);
  // A refused change (already granted) makes no version.
  expect((await post(add)).status).toBe(409);
  expect(await version(productId)).toBe(3);

  const pf = (await env.DB.prepare("SELECT id FROM product_features WHERE product_id = ? AND feature_id = ?")
    .bind(productId, featureId)
    .first<{ id: string }>())!;
  expect((await post({ intent: "remove_feature", productFeatureId: pf.id, reason: "Export moves to an add-on" })).status).toBe(200);
  expect(await version(productId)).toBe(4);

  const audit = (
    await env.DB.prepare(
      "SELECT action, before, after FROM audit_log WHERE target_id = ? AND action LIKE 'catalog.product_feature_%' ORDER BY id",
    )
      .bind(productId)
      .all<{ action: string; before: string; after: string }>()
  ).results.map((r): unknown[] => [r.action, JSON.parse(r.before) as unknown, JSON.parse(r.after) as unknown]);
  expect(audit).toEqual([
    [
      "catalog.product_feature_added",
      { featuresVersion: 1, featureSet: [] },
      expect.objectContaining({ feature: featureKey, featuresVersion: 2, featureSet: [featureKey] }),
    ],
    [
      "catalog.product_feature_added",
      { featuresVersion: 2, featureSet: [featureKey] },
      expect.objectContaining({ featuresVersion: 3, featureSet: ["software.download", featureKey].sort() }),
    ],
    [
      "catalog.product_feature_removed",
      expect.objectContaining({ feature: featureKey, featuresVersion: 3, featureSet: ["software.download", featureKey].sort() }),
      expect.objectContaining({ featuresVersion: 4, featureSet: ["software.download"] }),
    ],
  ]);
  const after = await pageText(await admin.agent.fetch("/admin/catalog"));
  expect(after).toMatch(/Versioned <span class="badge">unpublished<\/span>[\s\S]*?version 4<\/span>/);
});
