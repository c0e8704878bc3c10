// Pricing arithmetic shared by the server and the pricing page (no server imports here).
import { DEFAULT_LOCALE, type Locale } from "../../i18n/config";
import { formatMoney as formatLocalMoney } from "../../i18n/format";

export type PublicPrice = {
  id: string;
  lookupKey: string;
  currency: string;
  unitAmount: number;
  interval: "month" | "year" | null;
  tier: string | null;
  minSeats: number | null;
  maxSeats: number | null;
  /** Days of access a one-time purchase grants; null = lifetime (or a subscription). */
  accessDays: number | null;
  /** The trial a purchase at this price starts too (trials as data), or null. */
  trial: PublicTrial | null;
  /** Features only this price grants (on top of its product's), e.g. a tier's. */
  features: PublicFeature[];
};

/** A price's trial of another product: buying it starts `days` days of `productName`. */
export type PublicTrial = { days: number; productKey: string; productName: string };

/** A feature as the public pricing lists it (ADR 017). */
export type PublicFeature = { key: string; name: string; kind: "boolean" | "limit"; limit: number | null };

export type PublicProduct = {
  key: string;
  name: string;
  description: string;
  kind: "subscription" | "one_time";
  seatBased: boolean;
  /** The pricing page's button label (null: "Upgrade <name>" for a subscription, "Buy <name>" otherwise). */
  ctaLabel: string | null;
  /** The base product an add-on is sold on top of (ADR 019), or null for a product of its own. */
  addonOf: { key: string; name: string } | null;
  /** Features every price of the product grants. */
  features: PublicFeature[];
  prices: PublicPrice[];
};

/** The price whose seat range holds `seats` for the interval, or null when none does. */
export function priceForSeats(prices: PublicPrice[], interval: "month" | "year", seats: number): PublicPrice | null {
  return (
    prices.find(
      (p) => p.interval === interval && (p.minSeats === null || seats >= p.minSeats) && (p.maxSeats === null || seats <= p.maxSeats),
    ) ?? null
  );
}

/** The seat range that any price of this interval covers. */
export function seatBounds(prices: PublicPrice[], interval: "month" | "year"): { min: number; max: number } | null {
  const ofInterval = prices.filter((p) => p.interval === interval);
  if (ofInterval.length === 0) return null;
  return {
    min: Math.min(...ofInterval.map((p) => p.minSeats ?? 1)),
    max: Math.max(...ofInterval.map((p) => p.maxSeats ?? p.minSeats ?? 1)),
  };
}

export const totalFor = (price: PublicPrice, seats: number) => price.unitAmount * seats;

/** An amount in minor units in `locale` (English until a page passes its language): see app/i18n/format.ts. */
export const formatMoney = (amountMinor: number, currency: string, locale: Locale = DEFAULT_LOCALE): string =>
  formatLocalMoney(amountMinor, currency, locale);
