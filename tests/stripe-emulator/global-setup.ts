// Starts one emulator for the whole suite on a fixed test port with a fresh state dir.
import { type TestProject } from "vitest/node";
import { startStripeEmulator } from "./harness";
import { loadStripeSchema } from "./test/schema-gen";

declare module "vitest" {
  export interface ProvidedContext {
    stripeEmulatorUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = Number(process.env.STRIPE_EMULATOR_TEST_PORT ?? 12190);
  const starting = startStripeEmulator({ port, webhookUrl: null });
  // Generated (or read from its cache) while wrangler boots, once for all test files.
  loadStripeSchema();
  const emulator = await starting;
  project.provide("stripeEmulatorUrl", emulator.url);
  return emulator.stop;
}
