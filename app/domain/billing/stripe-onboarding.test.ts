import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { SEED_PRICES } from "../../../db/seed-catalog";
import { HANDLED_EVENT_TYPES } from "./events.server";

// docs/stripe-onboarding.md tells an operator what to create in Stripe; these keep it from drifting
// away from what the code handles and sells.
const doc = readFileSync(new URL("../../../docs/stripe-onboarding.md", import.meta.url), "utf8");

test("the webhook endpoint's event list in the onboarding doc is exactly the events the app handles", () => {
  const block = /\*\*Events to send\*\*[\s\S]*?```text\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block, "the doc's ```text block after **Events to send**").toBeDefined();
  const listed = block!
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  expect(new Set(listed).size).toBe(listed.length);
  expect([...listed].sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
});

test("the onboarding doc names every seeded price by its lookup key, with its amount", () => {
  for (const price of SEED_PRICES) {
    const row = new RegExp(`^\\| \`${price.lookupKey}\` \\|.*$`, "m").exec(doc)?.[0];
    expect(row, price.lookupKey).toBeDefined();
    expect(row).toContain(`€${(price.unitAmount / 100).toFixed(2)}`);
  }
});
