import { expect, test } from "vitest";
import { canTransition, statesBelow } from "./intent-state";

test("the happy path only moves forward", () => {
  expect(canTransition("created", "checkout_open")).toBe(true);
  expect(canTransition("checkout_open", "paid")).toBe(true);
  expect(canTransition("paid", "provisioned")).toBe(true);
  expect(canTransition("provisioned", "paid")).toBe(false);
  expect(canTransition("paid", "checkout_open")).toBe(false);
});

test("exits cannot undo a payment, and a payment outranks an earlier exit", () => {
  for (const exit of ["expired", "canceled", "failed"] as const) {
    expect(canTransition("paid", exit)).toBe(false);
    expect(canTransition("provisioned", exit)).toBe(false);
    expect(canTransition(exit, "paid")).toBe(true);
    expect(canTransition("checkout_open", exit)).toBe(true);
  }
  expect(canTransition("expired", "canceled")).toBe(false);
});

test("statesBelow lists exactly the states a transition may start from", () => {
  expect(statesBelow("paid").sort()).toEqual(["canceled", "checkout_open", "created", "expired", "failed"]);
  expect(statesBelow("provisioned")).toContain("paid");
  expect(statesBelow("created")).toEqual([]);
});
