import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestProject } from "vitest/node";
import { startStripeEmulator } from "../stripe-emulator/harness";
import { startApp, TEST_WEBHOOK_SECRET } from "../support/app-server";
import { ARTIFACTS, findChromium } from "./browser";

// GATEHOUSE_E2E_APP_PORT / GATEHOUSE_E2E_STRIPE_PORT move them when two runs share a machine.
const APP_PORT = Number(process.env.GATEHOUSE_E2E_APP_PORT ?? 8790);
const STRIPE_PORT = Number(process.env.GATEHOUSE_E2E_STRIPE_PORT ?? 12191);

declare module "vitest" {
  export interface ProvidedContext {
    appUrl: string;
    stripeUrl: string;
    /** The app's local D1 (wrangler --persist-to), for reading the email outbox. */
    appPersistTo: string;
  }
}

export default async function setup(project: TestProject) {
  findChromium(); // fail early, with the install hint, before starting servers
  // The emulator delivers signed webhooks to the app, as Stripe would.
  const stripe = await startStripeEmulator({
    port: STRIPE_PORT,
    webhookUrl: `http://127.0.0.1:${APP_PORT}/api/stripe/webhook`,
    webhookSecret: TEST_WEBHOOK_SECRET,
  });
  const app = await startApp({ port: APP_PORT, stripeApiBase: stripe.url }).catch(async (e) => {
    await stripe.stop();
    throw e;
  });
  project.provide("appUrl", app.url);
  project.provide("appPersistTo", app.persistTo);
  project.provide("stripeUrl", stripe.url);
  return async () => {
    // The app's warnings and errors (wrangler dev runs it at --log-level warn), kept beside the
    // screenshots so a failed browser test in CI can be read afterwards.
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "app-server.log"), app.output());
    await app.stop();
    await stripe.stop();
  };
}
