import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { LOCALES, NAMESPACES } from "./config";

// Every language has every key of every namespace, none empty: a missing translation fails CI
// here instead of showing English (or a raw key) to a Swedish or French reader.
// A key with a count is a set of plural forms (i18next's JSON v4: `key_one`, `key_other`, and for
// French `key_many` too): each language must have exactly the forms its plural rules use, so a
// plural in one language is complete in all three.
const dir = fileURLToPath(new URL("../locales/", import.meta.url));
const read = (locale: string, ns: string) => JSON.parse(readFileSync(`${dir}${locale}/${ns}.json`, "utf8")) as Record<string, unknown>;

function leaves(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v]],
  );
}

const PLURAL = /^(.+)_(zero|one|two|few|many|other)$/;

/** A namespace's keys as i18next looks them up: plain keys, and plural keys by their base with the forms present. */
function logicalKeys(entries: [string, unknown][]) {
  const plain = new Map<string, unknown>();
  const plurals = new Map<string, Map<string, unknown>>();
  for (const [key, value] of entries) {
    const m = PLURAL.exec(key);
    if (m) {
      const forms = plurals.get(m[1]!) ?? new Map<string, unknown>();
      forms.set(m[2]!, value);
      plurals.set(m[1]!, forms);
    } else plain.set(key, value);
  }
  return { plain, plurals };
}

/** The plural forms i18next asks for in a language (Intl's categories, which i18next's plural resolver uses). */
const formsOf = (locale: string) => new Intl.PluralRules(locale).resolvedOptions().pluralCategories.slice().sort();

const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]))].sort();

test("the locale folders hold exactly the configured languages and namespaces", () => {
  expect(readdirSync(dir).sort()).toEqual([...LOCALES].sort());
  for (const locale of LOCALES) {
    expect(readdirSync(`${dir}${locale}`).sort(), locale).toEqual(NAMESPACES.map((ns) => `${ns}.json`).sort());
  }
});

test.each(NAMESPACES.flatMap((ns) => LOCALES.map((l) => [ns, l] as const)))(
  "%s: %s has the same keys as English (plural keys with every form the language needs), each a non-empty string with the same placeholders",
  (ns, locale) => {
    const en = logicalKeys(leaves(read("en", ns)));
    const other = logicalKeys(leaves(read(locale, ns)));
    expect([...other.plain.keys()].sort()).toEqual([...en.plain.keys()].sort());
    expect([...other.plurals.keys()].sort()).toEqual([...en.plurals.keys()].sort());
    // A key is plain or plural, never both (i18next would pick one silently).
    for (const base of other.plurals.keys()) expect(other.plain.has(base), `${locale}/${ns}: ${base} is plain and plural`).toBe(false);
    for (const [key, value] of other.plain) {
      expect(typeof value === "string" && value.trim().length > 0, `${locale}/${ns}: ${key} is empty`).toBe(true);
      expect(placeholders(value as string), `${locale}/${ns}: ${key}`).toEqual(placeholders(en.plain.get(key) as string));
    }
    for (const [base, forms] of other.plurals) {
      expect([...forms.keys()].sort(), `${locale}/${ns}: plural forms of ${base}`).toEqual(formsOf(locale));
      const expected = placeholders(en.plurals.get(base)!.get("other") as string);
      for (const [form, value] of forms) {
        expect(typeof value === "string" && value.trim().length > 0, `${locale}/${ns}: ${base}_${form} is empty`).toBe(true);
        expect(placeholders(value as string), `${locale}/${ns}: ${base}_${form}`).toEqual(expected);
      }
    }
  },
);

test("English values are non-empty, and the messages catalog is keyed by its English text (a plural's by its _other form)", () => {
  for (const ns of NAMESPACES)
    for (const [key, value] of leaves(read("en", ns))) expect(typeof value === "string" && value.length > 0, key).toBe(true);
  const { plain, plurals } = logicalKeys(Object.entries(read("en", "messages")));
  for (const [key, value] of plain) expect(value).toBe(key);
  for (const [base, forms] of plurals) expect(forms.get("other"), base).toBe(base);
});
