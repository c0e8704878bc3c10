import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { LOCALES, NAMESPACES } from "./config";

// Every language has every key of every namespace, none empty: a missing translation fails CI
// here instead of showing English (or a raw key) to a Swedish or French reader.
const dir = fileURLToPath(new URL("../locales/", import.meta.url));
const read = (locale: string, ns: string) => JSON.parse(readFileSync(`${dir}${locale}/${ns}.json`, "utf8")) as Record<string, unknown>;

function leaves(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? leaves(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v]],
  );
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

test("the locale folders hold exactly the configured languages and namespaces", () => {
  expect(readdirSync(dir).sort()).toEqual([...LOCALES].sort());
  for (const locale of LOCALES) {
    expect(readdirSync(`${dir}${locale}`).sort(), locale).toEqual(NAMESPACES.map((ns) => `${ns}.json`).sort());
  }
});

test.each(NAMESPACES.flatMap((ns) => LOCALES.filter((l) => l !== "en").map((l) => [ns, l] as const)))(
  "%s: %s has the same keys as English, each a non-empty string with the same placeholders",
  (ns, locale) => {
    const en = new Map(leaves(read("en", ns)));
    const other = new Map(leaves(read(locale, ns)));
    expect([...other.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, value] of other) {
      expect(typeof value === "string" && value.trim().length > 0, `${locale}/${ns}: ${key} is empty`).toBe(true);
      expect(placeholders(value as string), `${locale}/${ns}: ${key}`).toEqual(placeholders(en.get(key) as string));
    }
  },
);

test("English values are non-empty, and the messages catalog is keyed by its English text", () => {
  for (const ns of NAMESPACES)
    for (const [key, value] of leaves(read("en", ns))) expect(typeof value === "string" && value.length > 0, key).toBe(true);
  for (const [key, value] of Object.entries(read("en", "messages"))) expect(value).toBe(key);
});
