// Catalog text per language (ADR 026). Admins type a product's name, description and button label
// and a feature's name and description in English (the columns); `translations` holds the same
// fields in other languages as JSON, {"sv": {"name": ...}, "fr": {...}}. Everything that shows
// catalog text to a user goes through `localizeCatalogRow`: a field with text in the page's language
// replaces the English one, anything missing or empty shows the English. No server imports here.
import { z } from "zod";
import { DEFAULT_LOCALE, LOCALES, type Locale } from "../../i18n/config";
import { safeText } from "../input";

/** Every language but English, which the columns hold. A language added to LOCALES gets its fields here. */
export type TranslatedLocale = Exclude<Locale, "en">;
export const TRANSLATED_LOCALES = LOCALES.filter((l): l is TranslatedLocale => l !== DEFAULT_LOCALE);

export const CATALOG_TEXT_FIELDS = ["name", "description", "ctaLabel"] as const;
export type CatalogTextField = (typeof CATALOG_TEXT_FIELDS)[number];
/** What a product translates; a feature has no button. */
export const PRODUCT_TEXT_FIELDS = CATALOG_TEXT_FIELDS;
export const FEATURE_TEXT_FIELDS = ["name", "description"] as const satisfies readonly CatalogTextField[];

export type CatalogText = Partial<Record<CatalogTextField, string>>;
export type CatalogTranslations = Partial<Record<TranslatedLocale, CatalogText>>;

const StoredText = z.object({ name: z.string(), description: z.string(), ctaLabel: z.string() }).partial();

/** A stored `translations` value (JSON text, or already parsed) as its languages' texts; a malformed language counts as none. */
export function parseTranslations(raw: unknown): CatalogTranslations {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return {};
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const out: CatalogTranslations = {};
  for (const locale of TRANSLATED_LOCALES) {
    const parsed = StoredText.safeParse((value as Record<string, unknown>)[locale]);
    if (parsed.success && Object.keys(parsed.data).length) out[locale] = parsed.data;
  }
  return out;
}

/**
 * A product or feature row in `locale`: each of its text fields with non-empty text in that language
 * replaces the English column, anything else stays English; `translations` is dropped.
 */
export function localizeCatalogRow<T extends { name: string; translations: unknown }>(row: T, locale: Locale): Omit<T, "translations"> {
  const { translations, ...rest } = row;
  if (locale === DEFAULT_LOCALE) return rest;
  const text = parseTranslations(translations)[locale as TranslatedLocale];
  if (!text) return rest;
  const out: Record<string, unknown> = { ...rest };
  for (const field of CATALOG_TEXT_FIELDS) {
    const value = text[field]?.trim();
    if (value && field in rest) out[field] = value;
  }
  return out as Omit<T, "translations">;
}

/** A product's or feature's name in `locale`, from its English name and its `translations`. */
export const localizedName = (name: string, translations: unknown, locale: Locale): string =>
  localizeCatalogRow({ name, translations }, locale).name;

/** Each field's longest text (the English columns' bounds) and its label in messages. */
export const CATALOG_TEXT_LIMITS: Record<CatalogTextField, { max: number; label: string }> = {
  name: { max: 80, label: "Name" },
  description: { max: 500, label: "Description" },
  ctaLabel: { max: 60, label: "Button label" },
};

/** A form field's name for one language's text: `name_fr`, `description_sv`. */
export const textFieldName = (field: CatalogTextField, locale: TranslatedLocale) => `${field}_${locale}`;

/**
 * The admin's form for one row's text in the other languages: the row's `id`, and one field per
 * language and field (`name_fr`), each optional (empty: English shows) and bounded like the English
 * column. `translations` is the value to store, holding only the fields with text.
 */
export function catalogTextInput(fields: readonly CatalogTextField[]) {
  const shape: Record<string, z.ZodType<string, string | undefined>> = {};
  for (const locale of TRANSLATED_LOCALES) {
    for (const field of fields) {
      const { max, label } = CATALOG_TEXT_LIMITS[field];
      shape[textFieldName(field, locale)] = safeText(z.string().trim().max(max, `Use at most ${max} characters.`), {
        label,
        multiline: field === "description",
      }).default("");
    }
  }
  return z
    .object({ id: z.string().min(1).max(64), ...shape })
    .transform(({ id, ...values }): { id: string; translations: CatalogTranslations } => {
      const translations: CatalogTranslations = {};
      for (const locale of TRANSLATED_LOCALES) {
        const text: CatalogText = {};
        for (const field of fields) {
          const value = (values as Record<string, string | undefined>)[textFieldName(field, locale)];
          if (value) text[field] = value;
        }
        if (Object.keys(text).length) translations[locale] = text;
      }
      return { id, translations };
    });
}

export const ProductTextInput = catalogTextInput(PRODUCT_TEXT_FIELDS);
export const FeatureTextInput = catalogTextInput(FEATURE_TEXT_FIELDS);

/** The stored form of translations: languages and fields in a fixed order, so equal texts are equal strings. */
export function serializeTranslations(translations: CatalogTranslations): string {
  const ordered: CatalogTranslations = {};
  for (const locale of TRANSLATED_LOCALES) {
    const text = translations[locale];
    if (!text) continue;
    const fields: CatalogText = {};
    for (const field of CATALOG_TEXT_FIELDS) if (text[field]) fields[field] = text[field];
    if (Object.keys(fields).length) ordered[locale] = fields;
  }
  return JSON.stringify(ordered);
}
