import { expect, test } from "vitest";
import { lockedMessageFor, switchedOffMessage } from "../domain/entitlements/access";
import { type MessageI18n, paymentProviderRejected } from "../domain/errors";
import { belowAssigned, decideQuantityChange } from "../domain/seats/rules";
import { rateLimited } from "../infra/http/rate-limit.server";
import { payloadTooLarge } from "../infra/http/responses.server";
import { translateMessage } from "./messages";
import { translatorFor } from "./translator.server";

// Refusals that carry values (ADR 024): each template is in the catalog of every language, English
// reads exactly the error's own text, and Swedish and French read their own sentence with the values.

const REASONS = ["needs_manager", "no_entitlement", "not_live", "paused", "needs_seat", "switched_off"] as const;
const read = (locale: "en" | "sv" | "fr", m: { message: string; i18n?: MessageI18n }) =>
  translateMessage(translatorFor(locale), m.message, m.i18n);

test("every locked reason reads in Swedish and French, naming the product; English is the refusal's own text", () => {
  for (const reason of REASONS) {
    const named = lockedMessageFor("Organization", reason);
    expect(read("en", named)).toBe(named.message);
    for (const locale of ["sv", "fr"] as const) {
      const text = read(locale, named);
      expect(text, `${locale} ${reason}`).not.toBe(named.message);
      expect(text, `${locale} ${reason}`).toContain("Organization");
      // With no product to name, the whole sentence is its own catalog entry.
      const unnamed = lockedMessageFor(null, reason);
      expect(unnamed.i18n).toBeUndefined();
      expect(read(locale, unnamed), `${locale} ${reason} unnamed`).not.toBe(unnamed.message);
    }
  }
  expect(lockedMessageFor("Accelerator", "no_entitlement").message).toBe("Accelerator is not part of your plan yet.");
  expect(read("fr", lockedMessageFor("Accelerator", "needs_seat"))).toBe(
    "Votre organisation dispose de Accelerator, mais vous n’avez pas encore de siège. Demandez à un administrateur de vous en attribuer un.",
  );
  for (const what of ["Uploading", "Downloading", "Publishing"] as const) {
    expect(read("fr", { message: switchedOffMessage(what) })).toMatch(/^L[ae’]/);
    expect(read("sv", { message: switchedOffMessage(what) })).toMatch(/är tillfälligt otillgänglig för alla/);
  }
});

test("seats to release take the plural form of their count", () => {
  const refusal = (assigned: number, quantity: number) => belowAssigned(assigned, quantity);
  expect(read("en", refusal(3, 2))).toBe("3 seats are assigned: release 1 seat before going down to 2.");
  expect(read("en", refusal(3, 1))).toBe("3 seats are assigned: release 2 seats before going down to 1.");
  expect(read("fr", refusal(3, 2))).toBe("Sièges attribués : 3. Libérez 1 siège avant de passer à 2.");
  expect(read("fr", refusal(3, 1))).toBe("Sièges attribués : 3. Libérez 2 sièges avant de passer à 1.");
  expect(read("sv", refusal(3, 2))).toBe("Tilldelade licensplatser: 3. Frigör 1 licensplats innan antalet sänks till 2.");
  const outOfRange = decideQuantityChange({
    current: { quantity: 2, priceId: "p", interval: "month" },
    requested: 0,
    assigned: 1,
    prices: [{ id: "p", interval: "month", minSeats: 1, maxSeats: 10, unitAmount: 1000, tier: null }],
  });
  if (outOfRange.ok) throw new Error("0 seats should be refused");
  expect(outOfRange.message).toBe("Seats must be a whole number from 1 to 10.");
  expect(read("fr", outOfRange)).toBe("Le nombre de sièges doit être un nombre entier de 1 à 10.");
});

test("the rate limit, a size limit and Stripe's refusal read in the reader's language; Stripe's reason stays its own", () => {
  expect(read("en", rateLimited(10))).toBe("Too many attempts. Wait 10 seconds and try again.");
  expect(read("fr", rateLimited(10))).toBe("Trop de tentatives. Patientez 10 secondes et réessayez.");
  expect(read("sv", rateLimited(10))).toBe("För många försök. Vänta 10 sekunder och försök igen.");
  expect(read("sv", rateLimited(60))).toBe("För många försök. Vänta en minut och försök igen.");
  expect(read("en", payloadTooLarge(65536))).toBe("The request body is larger than 65536 bytes.");
  expect(read("fr", payloadTooLarge(65536))).toBe("Le corps de la requête dépasse 65536 octets.");
  const stripe = paymentProviderRejected("No such feature: 'feat_123'");
  expect(read("en", stripe)).toBe("Stripe refused the change, so nothing was saved: No such feature: 'feat_123'");
  expect(read("fr", stripe)).toBe("Stripe a refusé la modification, rien n’a donc été enregistré : No such feature: 'feat_123'");
});
