// The admin's edits of catalog text in other languages (ADR 026). Like every catalog change it is
// audited (the old and the new text) and, through the catalog_version triggers on products and
// features (migration 0012), gives the storefront's cache a new key.
import { eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { auditInsert } from "../audit/audit.server";
import { notFound } from "../errors";
import { type CatalogTranslations, parseTranslations, serializeTranslations } from "./catalog-text";

/** A product's or feature's text in the other languages becomes `translations` (audited); the same text again changes nothing. */
export async function setCatalogText(deps: {
  db: Db;
  adminId: string;
  target: "product" | "feature";
  id: string;
  translations: CatalogTranslations;
  now: number;
}): Promise<{ changed: boolean }> {
  const { db, target, id, now } = deps;
  const table = target === "product" ? schema.products : schema.features;
  const row = await db.select({ key: table.key, translations: table.translations }).from(table).where(eq(table.id, id)).get();
  if (!row) throw notFound(target === "product" ? "No such product." : "No such feature.");
  const before = serializeTranslations(parseTranslations(row.translations));
  const after = serializeTranslations(deps.translations);
  if (before === after) return { changed: false };
  await db.batch([
    target === "product"
      ? db.update(schema.products).set({ translations: after }).where(eq(schema.products.id, id))
      : db.update(schema.features).set({ translations: after, updatedAt: now }).where(eq(schema.features.id, id)),
    auditInsert(db, {
      actor: { type: "user", id: deps.adminId },
      action: `catalog.${target}_text_changed`,
      target: { type: target, id },
      before: { key: row.key, translations: JSON.parse(before) as unknown },
      after: { key: row.key, translations: deps.translations },
      at: now,
    }),
  ]);
  return { changed: true };
}
