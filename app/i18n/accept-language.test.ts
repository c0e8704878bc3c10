import { expect, test } from "vitest";
import { bestLocale } from "./accept-language";

test("Accept-Language: the client's most preferred of en/sv/fr, by q-value, region ignored", () => {
  expect(bestLocale("sv-SE,sv;q=0.9,en;q=0.8")).toBe("sv");
  expect(bestLocale("de-DE,de;q=0.9,fr;q=0.5")).toBe("fr");
  expect(bestLocale("en;q=0.4, fr-CA;q=0.8")).toBe("fr");
  expect(bestLocale("fr-FR, sv")).toBe("fr");
  expect(bestLocale("FR")).toBe("fr");
  expect(bestLocale("sv;q=0, en")).toBe("en");
});

test("nothing that fits is null (the caller falls back to English)", () => {
  for (const h of [null, "", "*", "de-DE,ja;q=0.5", "svenska"]) expect(bestLocale(h), String(h)).toBeNull();
});
