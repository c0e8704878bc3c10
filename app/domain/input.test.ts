import { expect, test } from "vitest";
import { z } from "zod";
import { hasUnsafeText, safeText, strictInt } from "./input";

test("strictInt takes a JSON integer or a string of decimal digits, within bounds", () => {
  const seats = strictInt({ min: 1, max: 100, label: "Seats" });
  expect(seats.parse(5)).toBe(5);
  expect(seats.parse("5")).toBe(5);
  expect(seats.parse("100")).toBe(100);
  expect(seats.parse("007")).toBe(7);
});

test("strictInt refuses hex, decimals, exponents, padding, booleans, arrays, empty and out-of-range values", () => {
  const seats = strictInt({ min: 1, max: 100, label: "Seats" });
  for (const bad of [
    "0x20",
    "5.0",
    " 5",
    "5 ",
    "1e1",
    "+5",
    "-5",
    "",
    "٥",
    true,
    false,
    [5],
    null,
    undefined,
    {},
    5.5,
    NaN,
    Infinity,
    0,
    101,
    "101",
    "9".repeat(30),
  ]) {
    const r = seats.safeParse(bad);
    expect(r.success, JSON.stringify(bad)).toBe(false);
    expect(r.error?.issues[0]?.message).toBe("Seats must be a whole number from 1 to 100.");
  }
});

test("strictInt keeps optional, default and field paths working inside an object", () => {
  const Input = z.object({
    quantity: strictInt({ min: 1, max: 10, label: "quantity" }).optional(),
    seats: strictInt({ min: 0, max: 9, label: "Seats" }).default(0),
  });
  expect(Input.parse({})).toEqual({ quantity: undefined, seats: 0 });
  expect(Input.parse({ quantity: "3", seats: 2 })).toEqual({ quantity: 3, seats: 2 });
  const r = Input.safeParse({ quantity: "0x3" });
  expect(r.error?.issues.map((i) => i.path)).toEqual([["quantity"]]);
});

test("names refuse control characters and bidi overrides, isolates and marks", () => {
  for (const c of [
    "\u0000",
    "\u0007",
    "\n",
    "\t",
    "\u007f",
    "\u0085",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
  ]) {
    expect(hasUnsafeText(`Acme${c}Corp`), JSON.stringify(c)).toBe(true);
  }
  for (const ok of ["Acme Corp", "Zürich GmbH", "株式会社", "שלום", "مرحبا", "Emoji 🚀", "O'Brien & Co."])
    expect(hasUnsafeText(ok)).toBe(false);
  const Name = safeText(z.string().trim().min(2).max(80), { label: "Organisation name" });
  expect(Name.parse("  Acme  ")).toBe("Acme");
  expect(Name.safeParse("evil\u202Egnp.exe").error?.issues[0]?.message).toBe(
    "Organisation name must not contain control characters or text-direction (bidi) characters.",
  );
  const Description = safeText(z.string(), { label: "Description", multiline: true });
  expect(Description.parse("line one\nline two\r\n\tindented")).toContain("line two");
  expect(Description.safeParse("a\u2066b").success).toBe(false);
  expect(Description.safeParse("a\u0000b").success).toBe(false);
});
