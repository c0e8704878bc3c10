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

test("a call with values, a count or a default is remembered by them: each gets its own answer, however often", () => {
  const t = i18nFor("fr").getFixedT("fr", "billing");
  const en = translatorFor("en");
  for (let i = 0; i < 2; i++) {
    const ann = t("dashboard.signedInAs", { email: "ann@example.com" });
    const bob = t("dashboard.signedInAs", { email: "bob@example.com" });
    expect(ann).toContain("ann@example.com");
    expect(bob).toContain("bob@example.com");
    expect(bob).toBe(ann.replace("ann@example.com", "bob@example.com"));
    // Plurals follow the count on every call, remembered or not.
    expect(en("billing:pricing.seatsValue", { count: 1 })).toBe("1 seat");
    expect(en("billing:pricing.seatsValue", { count: 2 })).toBe("2 seats");
  }
  expect(en("no.such.key", { defaultValue: "first" })).toBe("first");
  expect(en("no.such.key", { defaultValue: "second" })).toBe("second");
  expect(en("no.such.key", { defaultValue: "first" })).toBe("first");
});

test("an object value or an answer that is an object is never shared between calls", () => {
  const en = translatorFor("en");
  const named = { toString: () => "Ann" };
  expect(en("no.such.key", { defaultValue: "Hi {{who}}", who: named })).toBe("Hi Ann");
  named.toString = () => "Bob";
  expect(en("no.such.key", { defaultValue: "Hi {{who}}", who: named })).toBe("Hi Bob");
  const a = en("billing:dashboard", { returnObjects: true }) as unknown as Record<string, unknown>;
  const b = en("billing:dashboard", { returnObjects: true }) as unknown as Record<string, unknown>;
  expect(typeof a).toBe("object");
  expect(a).not.toBe(b);
});
