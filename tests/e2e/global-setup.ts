import { type TestProject } from "vitest/node";
import { startStripeEmulator } from "../stripe-emulator/harness";
import { startApp, TEST_WEBHOOK_SECRET } from "../support/app-server";
import { findChromium } from "./browser";

// GATEHOUSE_E2E_APP_PORT / GATEHOUSE_E2E_STRIPE_PORT move them when two runs share a machine.
const APP_PORT = Number(process.env.GATEHOUSE_E2E_APP_PORT ?? 8790);
const STRIPE_PORT = Number(process.env.GATEHOUSE_E2E_STRIPE_PORT ?? 12191);

declare module "vitest" {
  export interface ProvidedContext {
    appUrl: string;
    stripeUrl: string;
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
  project.provide("stripeUrl", stripe.url);
  return async () => {
    await app.stop();
    await stripe.stop();
  };
}
