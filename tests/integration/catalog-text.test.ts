import { env } from "cloudflare:test";
import { expect, test, vi } from "vitest";
import { catalogChanged } from "../../app/domain/catalog/catalog-version.server";
import { catalogSeedStatements } from "../../db/seed-catalog";
import { agent, type Agent, form, signedInAgent, visibleText } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";
import { systemAdmin } from "../factories/tenants";

// Catalog text per language (ADR 026): products and features carry Swedish and French text beside
// their English columns; every page and the pricing API show the reader's language, English where a
// field has none; admins edit it (audited), and the storefront cache never serves one language's copy
// to another, nor an old copy after an edit.

const one = <T>(sql: string, ...binds: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...binds)
    .first<T>();
const version = async () => (await one<{ version: number }>("SELECT version FROM catalog_version WHERE id = 1"))!.version;
const translationsOf = async (table: "products" | "features", id: string) =>
  (await one<{ translations: string }>(`SELECT translations FROM ${table} WHERE id = ?`, id))!.translations;

async function page(a: Agent, path: string, lang?: string, status = 200) {
  const res = await a.fetch(path, { headers: lang ? { "Accept-Language": lang } : {} });
  expect(res.status, path).toBe(status);
  return visibleText(await res.text());
}

// A fresh catalog version made as this isolate's own write (ADR 025), so no earlier request's cache
// entries are shared with this test's.
const freshCatalog = async () => {
  await env.DB.prepare("UPDATE products SET name = name WHERE id = 'prd_organization'").run();
  catalogChanged();
};

/** Runs `fn` with a product's or feature's stored text set to `translations`, then puts the old text back. */
async function withText<T>(table: "products" | "features", id: string, translations: unknown, fn: () => Promise<T>) {
  const before = await translationsOf(table, id);
  await env.DB.prepare(`UPDATE ${table} SET translations = ? WHERE id = ?`).bind(JSON.stringify(translations), id).run();
  catalogChanged();
  try {
    return await fn();
  } finally {
    await env.DB.prepare(`UPDATE ${table} SET translations = ? WHERE id = ?`).bind(before, id).run();
    catalogChanged();
  }
}

test("the French pricing page shows the seeded French descriptions, feature names and button; English stays English", async () => {
  await freshCatalog();
  const fr = await page(agent(), "/pricing", "fr");
  expect(fr).toContain("Des licences pour toute votre équipe : un prix par siège qui baisse à mesure que vous grandissez.");
  // What the add-on and the Accelerator grant, by their French names.
  expect(fr).toContain("Téléversement de logiciels");
  expect(fr).toContain("Formation Accelerator");
  expect(fr).toContain("S’inscrire à Accelerator");
  // The add-on's own French name, and its base product's brand name in the French sentence around it.
  expect(fr).toContain("Téléversements");
  expect(fr).toContain("Options pour Organization");
  expect(fr).not.toContain("Licences for your whole team");
  expect(fr).not.toContain("Accelerator course");

  const en = await page(agent(), "/pricing");
  expect(en).toContain("Licences for your whole team: per-seat pricing that gets cheaper as you grow.");
  expect(en).toContain("Accelerator course");
  expect(en).toContain("Enroll in Accelerator");
  expect(en).not.toContain("Téléversement de logiciels");
});

test("the pricing API answers in the visitor's language, says which, and each language is its own cache entry", async () => {
  await freshCatalog();
  const get = (lang: string) => agent().fetch("/api/public/pricing", { headers: { "Accept-Language": lang } });
  type Api = {
    products: { key: string; name: string; description: string; ctaLabel: string | null; features: { key: string; name: string }[] }[];
  };
  const byKey = (body: Api, key: string) => body.products.find((p) => p.key === key)!;

  const sv = await get("sv");
  expect(sv.headers.get("X-Cache")).toBe("MISS");
  expect(sv.headers.get("Content-Language")).toBe("sv");
  expect(sv.headers.get("Vary")).toContain("Accept-Language");
  const svBody = (await sv.json()) as Api;
  expect(byKey(svBody, "uploads_addon").name).toBe("Uppladdningar");
  expect(byKey(svBody, "accelerator").ctaLabel).toBe("Anmäl dig till Accelerator");
  expect(byKey(svBody, "organization").features.map((f) => f.name)).toEqual([
    "Hantering av organisationen",
    "Offentlig färdplan",
    "Nedladdning av programvara",
  ]);

  // A French visitor after the Swedish one: never the Swedish copy, from the cache or otherwise.
  const fr = await get("fr");
  expect(fr.headers.get("X-Cache")).toBe("MISS");
  expect(byKey((await fr.json()) as Api, "uploads_addon").name).toBe("Téléversements");
  const svAgain = await get("sv");
  expect(svAgain.headers.get("X-Cache")).toBe("HIT");
  expect(byKey((await svAgain.json()) as Api, "uploads_addon").name).toBe("Uppladdningar");
  const en = (await (await get("en")).json()) as Api;
  expect(byKey(en, "uploads_addon").name).toBe("Uploads");
  expect(byKey(en, "organization").features.map((f) => f.name)).toContain("Software downloads");
});

test("a field with no text in the language shows the English: per field, per language", () =>
  withText("products", "prd_uploads_addon", { fr: { name: "Envoi de logiciels" } }, async () => {
    const fr = await page(agent(), "/pricing", "fr");
    expect(fr).toContain("Envoi de logiciels");
    expect(fr).toContain("Software uploads for any Organization plan, billed monthly beside your seats.");
    // Nothing in Swedish at all: the English name and description.
    const sv = await page(agent(), "/pricing", "sv");
    expect(sv).toContain("Uploads");
    expect(sv).not.toContain("Uppladdningar");
    expect(sv).toContain("Software uploads for any Organization plan, billed monthly beside your seats.");
  }));

test("signed-in pages name the catalog in the reader's language: dashboard, checkout return, add-ons on the billing page, the locked page", () =>
  withText("products", "prd_organization", { fr: { name: "Organisation (fr)" } }, () =>
    withText("products", "prd_accelerator", { fr: { name: "Accélérateur" } }, async () => {
      const { owner, intentId, tenant } = await provisionedTenant({ seats: 2, name: "Lyon Ouvert" });
      const dashboard = await page(owner.agent, "/dashboard", "fr");
      expect(dashboard).toContain("Organisation (fr)");
      expect(await page(owner.agent, "/dashboard")).not.toContain("Organisation (fr)");

      const confirmed = await page(owner.agent, `/checkout/return?intent=${intentId}`, "fr");
      expect(confirmed).toContain("Organisation (fr) est débloqué pour Lyon Ouvert avec 2 sièges.");

      const billing = await page(owner.agent, `/org/${tenant.slug}/billing`, "fr");
      expect(billing).toContain("Téléversements : Le téléversement de logiciels pour toute offre Organization");
      expect(await page(owner.agent, `/org/${tenant.slug}/billing`, "sv")).toContain("Uppladdningar");

      const { agent: newcomer } = await signedInAgent();
      const locked = await page(newcomer, "/accelerator", "fr", 403);
      expect(locked).toContain("Accélérateur est verrouillé");
      expect(await page(newcomer, "/accelerator", "en", 403)).toContain("Accelerator is locked");
    }),
  ));

test("an admin's French name shows at once on the French storefront (a new cache key), English unchanged, audited", async () => {
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  const before = await translationsOf("products", "prd_organization");
  try {
    await freshCatalog();
    const admin = await systemAdmin();
    for (const lang of ["fr", "en"]) {
      await (await agent().fetch("/pricing", { headers: { "Accept-Language": lang } })).text();
      expect((await agent().fetch("/pricing", { headers: { "Accept-Language": lang } })).headers.get("X-Cache")).toBe("HIT");
    }
    const catalogBefore = await version();
    const saved = await admin.agent.fetch(
      "/admin/catalog",
      form({
        intent: "product_text",
        id: "prd_organization",
        name_fr: "  Organisation Équipe ",
        description_fr: "Des licences pour toute votre équipe.",
        ctaLabel_fr: "",
        name_sv: "",
        description_sv: "Licenser för hela teamet.",
        ctaLabel_sv: "",
      }),
    );
    expect(saved.status).toBe(200);
    expect(await version()).toBeGreaterThan(catalogBefore);
    expect(JSON.parse(await translationsOf("products", "prd_organization"))).toEqual({
      sv: { description: "Licenser för hela teamet." },
      fr: { name: "Organisation Équipe", description: "Des licences pour toute votre équipe." },
    });

    const fr = await agent().fetch("/pricing", { headers: { "Accept-Language": "fr" } });
    expect(fr.headers.get("X-Cache")).toBe("MISS");
    const frText = visibleText(await fr.text());
    expect(frText).toContain("Organisation Équipe");
    // No French button label: the page's own "Passer à <name>", with the French name.
    expect(frText).toContain("Passer à Organisation Équipe");
    const en = visibleText(await (await agent().fetch("/pricing")).text());
    expect(en).toContain("Upgrade Organization");
    expect(en).not.toContain("Organisation Équipe");

    const audit = await one<{ actor_id: string; target_type: string; before: string; after: string }>(
      "SELECT actor_id, target_type, before, after FROM audit_log WHERE action = 'catalog.product_text_changed' AND target_id = 'prd_organization' ORDER BY id DESC LIMIT 1",
    );
    expect(audit).toMatchObject({ actor_id: admin.user.id, target_type: "product" });
    expect(JSON.parse(audit!.before)).toEqual({ key: "organization", translations: JSON.parse(before) });
    expect(JSON.parse(audit!.after)).toMatchObject({ key: "organization", translations: { fr: { name: "Organisation Équipe" } } });

    // The same text again is no change: no audit row, no new catalog version.
    const rows = (await one<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'catalog.product_text_changed'"))!.n;
    const again = await admin.agent.fetch(
      "/admin/catalog",
      form({
        intent: "product_text",
        id: "prd_organization",
        name_fr: "Organisation Équipe",
        description_fr: "Des licences pour toute votre équipe.",
        description_sv: "Licenser för hela teamet.",
      }),
    );
    expect(again.status).toBe(200);
    expect((await one<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'catalog.product_text_changed'"))!.n).toBe(rows);
  } finally {
    vi.useRealTimers();
    await env.DB.prepare("UPDATE products SET translations = ? WHERE id = 'prd_organization'").bind(before).run();
    catalogChanged();
  }
});

test("an admin edits a feature's Swedish name; bad text is a 422 naming the field that changes nothing", async () => {
  const admin = await systemAdmin();
  const before = await translationsOf("features", "ftr_uploads_pro");
  try {
    const saved = await admin.agent.fetch(
      "/admin/catalog",
      form({ intent: "feature_text", id: "ftr_uploads_pro", name_sv: "Programuppladdning", name_fr: "", description_fr: "" }),
    );
    expect(saved.status).toBe(200);
    expect(JSON.parse(await translationsOf("features", "ftr_uploads_pro"))).toEqual({ sv: { name: "Programuppladdning" } });
    await freshCatalog();
    const sv = await page(agent(), "/pricing", "sv");
    expect(sv).toContain("Programuppladdning");
    // The French text was emptied: English now.
    expect(await page(agent(), "/pricing", "fr")).toContain("Software uploads");
    const audit = await one<{ after: string }>(
      "SELECT after FROM audit_log WHERE action = 'catalog.feature_text_changed' AND target_id = 'ftr_uploads_pro' ORDER BY id DESC LIMIT 1",
    );
    expect(JSON.parse(audit!.after)).toEqual({ key: "uploads.pro", translations: { sv: { name: "Programuppladdning" } } });

    const stored = await translationsOf("features", "ftr_uploads_pro");
    const catalogBefore = await version();
    const audits = (await one<{ n: number }>("SELECT count(*) AS n FROM audit_log"))!.n;
    const bads: Record<string, string>[] = [
      { name_fr: "x".repeat(81) },
      { name_sv: "Program\u202eladdning" },
      { description_fr: "d".repeat(501) },
    ];
    for (const bad of bads) {
      const res = await admin.agent.fetch("/admin/catalog", form({ intent: "feature_text", id: "ftr_uploads_pro", ...bad }));
      expect(res.status, JSON.stringify(bad)).toBe(422);
      const body = await res.text();
      expect(body).toContain(`data-field="${Object.keys(bad)[0]}"`);
    }
    const unknown = await admin.agent.fetch("/admin/catalog", form({ intent: "feature_text", id: "ftr_no_such", name_fr: "Rien" }));
    expect(unknown.status).toBe(404);
    expect(await translationsOf("features", "ftr_uploads_pro")).toBe(stored);
    expect(await version()).toBe(catalogBefore);
    expect((await one<{ n: number }>("SELECT count(*) AS n FROM audit_log"))!.n).toBe(audits);
  } finally {
    await env.DB.prepare("UPDATE features SET translations = ? WHERE id = 'ftr_uploads_pro'").bind(before).run();
    catalogChanged();
  }
});

test("the admin catalog page offers the Swedish and French fields, filled with the stored text", async () => {
  const admin = await systemAdmin();
  const html = await (await admin.agent.fetch("/admin/catalog")).text();
  expect(html).toContain('name="ctaLabel_fr"');
  expect(html).toMatch(
    /name="ctaLabel_sv"[^>]*value="Anmäl dig till Accelerator"|value="Anmäl dig till Accelerator"[^>]*name="ctaLabel_sv"/,
  );
  expect(html).toContain('name="name_fr"');
  expect(html).toContain("Formation Accelerator");
});

test("seeding again keeps an admin's text and fills only a row that has none", async () => {
  const addon = await translationsOf("products", "prd_uploads_addon");
  const feature = await translationsOf("features", "ftr_roadmap_items_max");
  try {
    await env.DB.batch([
      env.DB.prepare("UPDATE products SET translations = ? WHERE id = 'prd_uploads_addon'").bind(
        JSON.stringify({ fr: { name: "Envois" } }),
      ),
      env.DB.prepare("UPDATE features SET translations = '{}' WHERE id = 'ftr_roadmap_items_max'"),
    ]);
    await env.DB.batch(catalogSeedStatements(Date.now()).map((sql) => env.DB.prepare(sql)));
    expect(JSON.parse(await translationsOf("products", "prd_uploads_addon"))).toEqual({ fr: { name: "Envois" } });
    expect(await translationsOf("features", "ftr_roadmap_items_max")).toBe(feature);
    expect(JSON.parse(feature)).toMatchObject({ fr: { name: "Éléments de la feuille de route" } });
  } finally {
    await env.DB.prepare("UPDATE products SET translations = ? WHERE id = 'prd_uploads_addon'").bind(addon).run();
    catalogChanged();
  }
});
