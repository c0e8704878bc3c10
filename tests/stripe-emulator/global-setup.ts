// Starts one emulator for the whole suite on a fixed test port with a fresh state dir.
import { type TestProject } from "vitest/node";
import { startStripeEmulator } from "./harness";

declare module "vitest" {
  export interface ProvidedContext {
    stripeEmulatorUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = Number(process.env.STRIPE_EMULATOR_TEST_PORT ?? 12190);
  const emulator = await startStripeEmulator({ port, webhookUrl: null });
  project.provide("stripeEmulatorUrl", emulator.url);
  return emulator.stop;
}
