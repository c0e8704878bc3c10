import { expect, test } from "vitest";
import { localizeCatalogRow, ProductTextInput, parseTranslations, serializeTranslations } from "./catalog-text";

const row = {
  key: "organization",
  name: "Organization",
  description: "Licences for your whole team.",
  ctaLabel: null as string | null,
  translations: JSON.stringify({ fr: { description: "Des licences pour toute votre équipe.", name: "  " }, sv: { ctaLabel: "Köp nu" } }),
};

test("a field with text in the language replaces the English; a missing or blank one stays English", () => {
  expect(localizeCatalogRow(row, "fr")).toEqual({
    key: "organization",
    name: "Organization",
    description: "Des licences pour toute votre équipe.",
    ctaLabel: null,
  });
  expect(localizeCatalogRow(row, "sv")).toEqual({
    key: "organization",
    name: "Organization",
    description: row.description,
    ctaLabel: "Köp nu",
  });
  expect(localizeCatalogRow(row, "en")).toEqual({
    key: "organization",
    name: "Organization",
    description: row.description,
    ctaLabel: null,
  });
});

test("malformed stored text counts as none: English shows, nothing throws", () => {
  for (const translations of ["not json", "null", "[]", JSON.stringify({ fr: { name: 5 } }), '{"fr": "Nom"}']) {
    expect(localizeCatalogRow({ name: "Uploads", translations }, "fr")).toEqual({ name: "Uploads" });
  }
  expect(parseTranslations(JSON.stringify({ de: { name: "Hochladen" }, fr: { name: "Téléversements" } }))).toEqual({
    fr: { name: "Téléversements" },
  });
});

test("the admin's form keeps only fields with text, trimmed; too long or unsafe text is refused by field", () => {
  const parsed = ProductTextInput.parse({ id: "prd_x", name_fr: " Téléversements ", description_fr: "", ctaLabel_sv: "Köp" });
  expect(parsed).toEqual({ id: "prd_x", translations: { fr: { name: "Téléversements" }, sv: { ctaLabel: "Köp" } } });
  expect(ProductTextInput.parse({ id: "prd_x" }).translations).toEqual({});

  const bad = ProductTextInput.safeParse({ id: "prd_x", name_fr: "x".repeat(81), ctaLabel_sv: "Kö\u202ep", description_fr: "ok\nline" });
  expect(bad.success).toBe(false);
  const paths = bad.error?.issues.map((i) => i.path.join(".")).sort();
  expect(paths).toEqual(["ctaLabel_sv", "name_fr"]);
});

test("stored text has one form: languages and fields in a fixed order", () => {
  expect(serializeTranslations({ sv: { name: "B" }, fr: { description: "d", name: "A" } })).toBe(
    JSON.stringify({ sv: { name: "B" }, fr: { name: "A", description: "d" } }),
  );
  expect(serializeTranslations({ fr: {} })).toBe("{}");
});
