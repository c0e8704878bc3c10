import { expect, test } from "vitest";
import { i18nFor, translatorFor } from "./translator.server";

// One read-only i18next instance per language (ADR 027): fixed-string translations are remembered,
// anything with values is translated afresh, and no caller can change an instance's language.

test("each language has one instance, in its own language, whose language cannot change", () => {
  expect(i18nFor("fr")).toBe(i18nFor("fr"));
  expect(i18nFor("sv")).not.toBe(i18nFor("fr"));
  expect(i18nFor("sv").language).toBe("sv");
  expect(() => void i18nFor("fr").changeLanguage("en")).toThrow(/cannot change/);
  expect(i18nFor("fr").language).toBe("fr");
});

test("a fixed string is the same remembered or not, through t and through a bound translator", () => {
  const fr = i18nFor("fr");
  const bound = fr.getFixedT("fr", "billing");
  const first = bound("dashboard.title");
  expect(first).not.toBe("dashboard.title");
  expect(bound("dashboard.title")).toBe(first);
  expect(fr.t("billing:dashboard.title")).toBe(first);
  expect(translatorFor("en")("billing:dashboard.title")).not.toBe(first);
  // The same key in another namespace or language is another entry, never a remembered neighbour's.
  expect(i18nFor("sv").getFixedT("sv", "billing")("dashboard.title")).not.toBe(first);
  expect(fr.getFixedT("fr", "common")("dashboard.title")).toBe("dashboard.title");
});

test("values, counts and defaults are translated afresh on every call", () => {
  const t = i18nFor("fr").getFixedT("fr", "billing");
  const ann = t("dashboard.signedInAs", { email: "ann@example.com" });
  const bob = t("dashboard.signedInAs", { email: "bob@example.com" });
  expect(ann).toContain("ann@example.com");
  expect(bob).toContain("bob@example.com");
  const en = translatorFor("en");
  expect(en("no.such.key", { defaultValue: "first" })).toBe("first");
  expect(en("no.such.key", { defaultValue: "second" })).toBe("second");
});
