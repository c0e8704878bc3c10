// Runs the schema check (schema-check.ts) after every test of the emulator suite.
import { afterAll, afterEach, inject } from "vitest";
import { checkAll } from "./schema-check";

let total = 0;

afterEach(async () => {
  const { checked, problems } = await checkAll(inject("stripeEmulatorUrl"));
  total += checked;
  if (problems.length > 0)
    throw new Error(
      `${problems.length} response(s)/event(s) do not match the pinned SDK's API version:\n${problems.slice(0, 40).join("\n")}`,
    );
});

afterAll(() => {
  if (process.env.STRIPE_SCHEMA_CHECK_VERBOSE) console.info(`schema check: ${total} responses and events validated`);
});
