import { expect, test } from "vitest";
import { seatsTaken } from "../domain/seats/rules";
import { translateMessage } from "./messages";
import { translatorFor } from "./translator.server";

// Counts pick the language's plural form (i18next JSON v4 suffixes): English and Swedish say 0 seats,
// French says 0 siège; refusals that carry values follow the reader's language.

const seats = (locale: "en" | "sv" | "fr") => [0, 1, 2].map((count) => translatorFor(locale)("billing:orgBilling.seatsValue", { count }));

test("a count of seats in English, Swedish and French: 0, 1, 2", () => {
  expect(seats("en")).toEqual(["0 seats", "1 seat", "2 seats"]);
  expect(seats("sv")).toEqual(["0 licensplatser", "1 licensplats", "2 licensplatser"]);
  expect(seats("fr")).toEqual(["0 siège", "1 siège", "2 sièges"]);
});

test("days of access and trials agree with their number", () => {
  const days = (locale: "en" | "sv" | "fr") =>
    [0, 1, 2].map((count) => translatorFor(locale)("billing:pricing.accessDays", { count, days: count }));
  expect(days("en")).toEqual(["0 days of access", "1 day of access", "2 days of access"]);
  expect(days("sv")).toEqual(["Tillgång i 0 dagar", "Tillgång i 1 dag", "Tillgång i 2 dagar"]);
  expect(days("fr")).toEqual(["0 jour d'accès", "1 jour d'accès", "2 jours d'accès"]);
  const trial = (locale: "fr" | "sv", count: number) =>
    translatorFor(locale)("billing:checkoutReturn.trial", { count, days: count, product: "Organization" });
  expect(trial("fr", 1)).toBe("Votre essai de Organization de 1 jour a également commencé.");
  expect(trial("fr", 30)).toBe("Votre essai de Organization de 30 jours a également commencé.");
  expect(trial("sv", 1)).toBe("Din provperiod på 1 dag av Organization har också börjat.");
});

test("the members page's seat line agrees with the licensed seats and the free ones", () => {
  const line = (locale: "en" | "sv" | "fr", used: number, licensed: number) => {
    const t = translatorFor(locale);
    const free = t("orgs:members.free", { count: licensed - used });
    return t("orgs:members.seatCount", { count: licensed, used, licensed, free }).replace(/<\/?strong>/g, "");
  };
  expect(line("en", 1, 1)).toBe("1 of 1 seat assigned, 0 free.");
  expect(line("en", 0, 2)).toBe("0 of 2 seats assigned, 2 free.");
  expect(line("fr", 1, 1)).toBe("1 sur 1 siège attribué, 0 libre.");
  expect(line("fr", 0, 2)).toBe("0 sur 2 sièges attribués, 2 libres.");
  expect(line("sv", 0, 1)).toBe("0 av 1 licensplats tilldelad, 1 ledig.");
  expect(line("sv", 0, 2)).toBe("0 av 2 licensplatser tilldelade, 2 lediga.");
});

test("a refusal that carries its count reads right in every language, and English is the error's own text", () => {
  for (const count of [0, 1, 2]) {
    const { message, i18n } = seatsTaken(count);
    expect(translateMessage(translatorFor("en"), message, i18n)).toBe(message);
  }
  const fr = [0, 1, 2].map((n) => translateMessage(translatorFor("fr"), seatsTaken(n).message, seatsTaken(n).i18n));
  expect(fr).toEqual([
    "Capacité maximale atteinte (0 siège) : achetez des sièges ou libérez-en un.",
    "Capacité maximale atteinte (1 siège) : achetez des sièges ou libérez-en un.",
    "Capacité maximale atteinte (2 sièges) : achetez des sièges ou libérez-en un.",
  ]);
  const sv = [0, 1, 2].map((n) => translateMessage(translatorFor("sv"), seatsTaken(n).message, seatsTaken(n).i18n));
  expect(sv).toEqual([
    "Alla 0 licensplatser är upptagna: köp fler eller frigör en.",
    "1 av 1 licensplats är upptagen: köp fler eller frigör den.",
    "Alla 2 licensplatser är upptagna: köp fler eller frigör en.",
  ]);
  // A template the catalog does not know yet: the English text, not a raw template.
  expect(translateMessage(translatorFor("fr"), "Only 3 left.", { key: "Only {{count}} left.", values: { count: 3 } })).toBe("Only 3 left.");
});
