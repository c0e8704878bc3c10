import { env } from "cloudflare:test";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { expect, test } from "vitest";
import { schema } from "../../app/infra/d1/db.server";

// Migration 0007 (ADR 013): the software catalog's tables are software_*, renamed in place, with
// read-only views under the old names for the previous Worker; subscriptions' last_event_* columns
// are out of the code and stay in the table until the next release drops them.

const SHA = "a".repeat(64);

const run = (sql: string, ...values: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...values)
    .run();

test("rows go in through the new names, and the constraints and foreign keys came along", async () => {
  const at = Date.now();
  await run(
    "INSERT INTO software_catalogs (id, owner_type, owner_id, name, created_at) VALUES ('cat_rename', 'tenant', 'ten_rename', 'Rename software', ?)",
    at,
  );
  await run(
    "INSERT INTO software_applications (id, catalog_id, slug, name, vendor, created_at) VALUES ('app_rename', 'cat_rename', 'tool', 'Tool', 'Acme', ?)",
    at,
  );
  await run(
    "INSERT INTO software_versions (id, application_id, version, download_key, sha256, size, file_name, source, created_at) VALUES ('ver_rename1', 'app_rename', '1.0.0', 'k', ?, 1, 'tool.exe', 'admin', ?)",
    SHA,
    at,
  );
  const row = await env.DB.prepare(
    "SELECT v.version, a.slug, c.owner_id FROM software_versions v JOIN software_applications a ON a.id = v.application_id JOIN software_catalogs c ON c.id = a.catalog_id WHERE v.id = 'ver_rename1'",
  ).first();
  expect(row).toEqual({ version: "1.0.0", slug: "tool", owner_id: "ten_rename" });

  const version = (id: string, version: string, sha256: string, source = "admin", applicationId = "app_rename") =>
    run(
      "INSERT INTO software_versions (id, application_id, version, download_key, sha256, size, file_name, source, created_at) VALUES (?, ?, ?, 'k', ?, 1, 'tool.exe', ?, ?)",
      id,
      applicationId,
      version,
      sha256,
      source,
      at,
    );
  // The unique (application, version) index that keeps the feed job idempotent.
  await expect(version("ver_rename2", "1.0.0", SHA)).rejects.toThrow(/UNIQUE/);
  // The CHECK constraints, whose expressions named the table ("versions"."sha256").
  await expect(version("ver_rename3", "1.0.1", "A".repeat(64))).rejects.toThrow(/CHECK/);
  await expect(version("ver_rename4", "1.0.2", SHA, "ftp")).rejects.toThrow(/CHECK/);
  await expect(
    run("INSERT INTO software_catalogs (id, owner_type, owner_id, name, created_at) VALUES ('cat_bad', 'vendor', 'x', 'x', ?)", at),
  ).rejects.toThrow(/CHECK/);
  // The foreign keys now point at the renamed tables (an unknown parent is refused).
  await expect(version("ver_rename5", "1.0.3", SHA, "admin", "app_missing")).rejects.toThrow(/FOREIGN KEY/);
  await expect(
    run(
      "INSERT INTO software_applications (id, catalog_id, slug, name, vendor, created_at) VALUES ('app_orphan', 'cat_missing', 'x', 'x', 'x', ?)",
      at,
    ),
  ).rejects.toThrow(/FOREIGN KEY/);
  expect((await env.DB.prepare("SELECT \"table\" FROM pragma_foreign_key_list('software_applications')").all()).results).toEqual([
    { table: "software_catalogs" },
  ]);
  expect((await env.DB.prepare("SELECT \"table\" FROM pragma_foreign_key_list('software_versions')").all()).results).toEqual([
    { table: "software_applications" },
  ]);

  // Nothing in the schema but the three compatibility views still names an old table.
  const objects = (
    await env.DB.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL").all<{
      type: string;
      name: string;
      tbl_name: string;
      sql: string;
    }>()
  ).results;
  const software = objects
    .filter((o) => o.tbl_name.startsWith("software_"))
    .map((o) => `${o.type} ${o.name}`)
    .sort();
  expect(software).toEqual([
    "index software_applications_catalog_slug_unique",
    "index software_catalogs_owner_unique",
    "index software_versions_application_version_unique",
    "index software_versions_latest_idx",
    "table software_applications",
    "table software_catalogs",
    "table software_versions",
  ]);
  const oldName = /["`\s.(](catalogs|applications|versions)["`\s.(]/;
  expect(objects.filter((o) => o.type !== "view" && oldName.test(o.sql)).map((o) => o.name)).toEqual([]);
});

test("for one release the old names are read-only views of the new tables", async () => {
  const at = Date.now();
  await run(
    "INSERT INTO software_catalogs (id, owner_type, owner_id, name, created_at) VALUES ('cat_view', 'tenant', 'ten_view', 'View software', ?)",
    at,
  );
  expect(await env.DB.prepare("SELECT owner_id FROM catalogs WHERE id = 'cat_view'").first()).toEqual({ owner_id: "ten_view" });
  const views = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").all()).results;
  expect(views).toEqual([{ name: "applications" }, { name: "catalogs" }, { name: "versions" }]);
  // The previous Worker's writes fail whole instead of landing somewhere the new code cannot see.
  await expect(
    run("INSERT INTO catalogs (id, owner_type, owner_id, name, created_at) VALUES ('cat_old', 'tenant', 'ten_old', 'Old', ?)", at),
  ).rejects.toThrow(/view/);
  expect(await env.DB.prepare("SELECT count(*) AS n FROM software_catalogs WHERE id = 'cat_old'").first()).toEqual({ n: 0 });
});

// The views are dropped in the next release: only safe if no code of this release reads them.
const sources = import.meta.glob<string>(
  ["/app/**/*.{ts,tsx}", "/db/*.ts", "/tests/**/*.ts", "!/tests/integration/software-tables.test.ts"],
  {
    query: "?raw",
    import: "default",
    eager: true,
  },
);

test("no code names the old table names or the dead subscription columns", () => {
  expect(Object.keys(sources)).toContain("/app/domain/software/catalog.server.ts");
  const oldTable = /\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+[`"]?(catalogs|applications|versions)\b/;
  const found = Object.entries(sources).flatMap(([path, text]) => [
    ...(oldTable.test(text) ? [`${path}: ${oldTable.exec(text)![0]}`] : []),
    // db/schema.ts names it in a comment; its table object is checked below.
    ...(path !== "/db/schema.ts" && /last_event_created|lastEventCreated/.test(text) ? [`${path}: last_event_created`] : []),
  ]);
  expect(found).toEqual([]);
  // Drizzle names every column of its table object in a select or an insert; these are the ones.
  const subscriptionColumns = getTableConfig(schema.subscriptions).columns.map((c) => c.name);
  expect(subscriptionColumns).toContain("stripe_synced_at");
  expect(subscriptionColumns).not.toContain("last_event_created");
  expect(subscriptionColumns).not.toContain("last_event_id");
  expect(getTableConfig(schema.purchaseIntents).columns.map((c) => c.name)).toContain("last_event_id");
});

test("the dead subscription columns are still in the table (nullable) until the next release drops them", async () => {
  const columns = (
    await env.DB.prepare(
      "SELECT name, \"notnull\", dflt_value FROM pragma_table_info('subscriptions') WHERE name LIKE 'last_event_%' ORDER BY name",
    ).all()
  ).results;
  expect(columns).toEqual([
    { name: "last_event_created", notnull: 0, dflt_value: null },
    { name: "last_event_id", notnull: 0, dflt_value: null },
  ]);
});
