import { expect, test } from "vitest";
import { formatMoney, priceForSeats, type PublicPrice, seatBounds, totalFor } from "./pricing";

const tier = (tierName: string, min: number, max: number, unitAmount: number, interval: "month" | "year"): PublicPrice => ({
  id: `${tierName}_${interval}`,
  lookupKey: `${tierName}_${interval}`,
  currency: "eur",
  unitAmount,
  interval,
  tier: tierName,
  minSeats: min,
  maxSeats: max,
  accessDays: null,
  trial: null,
  features: [],
});
const prices = [
  tier("PRO", 1, 20, 3500, "month"),
  tier("MAX", 21, 50, 3000, "month"),
  tier("ULTRA", 51, 100, 2500, "month"),
  tier("PRO", 1, 20, 35000, "year"),
];

test("each seat count falls in exactly the tier whose range holds it", () => {
  expect(priceForSeats(prices, "month", 1)?.tier).toBe("PRO");
  expect(priceForSeats(prices, "month", 20)?.tier).toBe("PRO");
  expect(priceForSeats(prices, "month", 21)?.tier).toBe("MAX");
  expect(priceForSeats(prices, "month", 50)?.tier).toBe("MAX");
  expect(priceForSeats(prices, "month", 51)?.tier).toBe("ULTRA");
  expect(priceForSeats(prices, "month", 100)?.tier).toBe("ULTRA");
  expect(priceForSeats(prices, "month", 101)).toBeNull();
  expect(priceForSeats(prices, "month", 0)).toBeNull();
  expect(priceForSeats(prices, "year", 21)).toBeNull();
});

test("totals are seats times the tier's unit amount", () => {
  expect(totalFor(priceForSeats(prices, "month", 5)!, 5)).toBe(17500);
  expect(totalFor(priceForSeats(prices, "month", 30)!, 30)).toBe(90000);
  expect(totalFor(priceForSeats(prices, "year", 5)!, 5)).toBe(175000);
});

test("seat bounds span the interval's tiers", () => {
  expect(seatBounds(prices, "month")).toEqual({ min: 1, max: 100 });
  expect(seatBounds(prices, "year")).toEqual({ min: 1, max: 20 });
  expect(seatBounds([], "month")).toBeNull();
});

test("money is formatted in the price's currency", () => {
  expect(formatMoney(17500, "eur")).toBe("€175");
  expect(formatMoney(49900, "eur")).toBe("€499");
  expect(formatMoney(1050, "eur")).toBe("€10.50");
});
