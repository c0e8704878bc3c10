// src/stripe-spec.ts is generated from the pinned SDK's types (test/spec-gen.ts) and checked in,
// because the emulator runs in workerd and cannot read node_modules. This keeps it honest: it
// must be exactly what the SDK says today, and cover every route the emulator serves.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { routeKeys } from "../src/api";
import { ENDPOINTS, EXPANDABLE } from "../src/stripe-spec";
import { generateSpecSource, SPEC_FILE } from "./spec-gen";

it("src/stripe-spec.ts is what the pinned SDK's types say (else: npx tsx tests/stripe-emulator/test/spec-gen.ts)", () => {
  expect(readFileSync(SPEC_FILE, "utf8") === generateSpecSource()).toBe(true);
});

it("every route has Stripe's parameter names and answer type, and every answer type its expandable paths", () => {
  expect(routeKeys().sort()).toEqual(Object.keys(ENDPOINTS).sort());
  for (const spec of Object.values(ENDPOINTS)) expect(EXPANDABLE[spec.returns], spec.returns).toBeDefined();
  // Spot checks against Stripe's API reference.
  expect(ENDPOINTS["POST /v1/customers"]?.params).toMatchObject({ address: { line1: 1, country: 1 } });
  expect(Object.hasOwn(ENDPOINTS["POST /v1/customers"]?.params ?? {}, "automatic_tax")).toBe(false);
  expect(ENDPOINTS["POST /v1/checkout/sessions"]?.params.automatic_tax).toEqual({ enabled: 1, liability: { account: 1, type: 1 } });
  expect(EXPANDABLE.subscription?.latest_invoice).toEqual({ e: 1, t: "invoice" });
  expect(EXPANDABLE["checkout.session"]?.line_items).toMatchObject({ e: 1 });
  expect(EXPANDABLE.invoice?.payment_intent).toBeUndefined();
});
