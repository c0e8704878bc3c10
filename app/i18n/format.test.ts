import { expect, test } from "vitest";
import { formatBytes, formatDate, formatDateTime, formatMoney, formatNumber } from "./format";

// Intl separates with (narrow) no-break spaces; compare with plain ones.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");
const jan2 = Date.UTC(2027, 0, 2, 12);

test("money is €499 in English and 499 € in Swedish and French, decimals only when not whole", () => {
  expect(formatMoney(49900, "eur", "en")).toBe("€499");
  expect(plain(formatMoney(49900, "eur", "sv"))).toBe("499 €");
  expect(plain(formatMoney(49900, "eur", "fr"))).toBe("499 €");
  expect(formatMoney(1050, "eur", "en")).toBe("€10.50");
  expect(plain(formatMoney(123450, "eur", "sv"))).toBe("1 234,50 €");
  expect(plain(formatMoney(123450, "eur", "fr"))).toBe("1 234,50 €");
});

test("dates follow the language", () => {
  expect(formatDate(jan2, "en")).toBe("2 Jan 2027");
  expect(formatDate(jan2, "sv")).toBe("2 jan. 2027");
  expect(formatDate(jan2, "fr")).toBe("2 janv. 2027");
  expect(formatDate(jan2, "fr", "long")).toBe("2 janvier 2027");
});

test("numbers group by the language's rule", () => {
  expect(formatNumber(12345, "en")).toBe("12,345");
  expect(plain(formatNumber(12345, "sv"))).toBe("12 345");
  expect(plain(formatNumber(12345, "fr"))).toBe("12 345");
});

test("moments to the minute follow the language, in UTC", () => {
  const at = Date.UTC(2027, 0, 2, 9, 5);
  expect(formatDateTime(at, "en")).toBe("2 Jan 2027, 09:05");
  expect(plain(formatDateTime(at, "sv"))).toBe("2 jan. 2027 09:05");
  expect(plain(formatDateTime(at, "fr"))).toBe("2 janv. 2027, 09:05");
});

test("file sizes use the language's decimal comma and French octets", () => {
  expect(formatBytes(512, "en")).toBe("512 B");
  expect(formatBytes(12.3 * 1024 * 1024, "en")).toBe("12.3 MB");
  expect(plain(formatBytes(12.3 * 1024 * 1024, "sv"))).toBe("12,3 MB");
  expect(plain(formatBytes(5000, "fr"))).toBe("4,9 Ko");
  expect(plain(formatBytes(512, "fr"))).toBe("512 o");
});
