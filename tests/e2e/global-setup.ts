import { type TestProject } from "vitest/node";
import { startApp } from "../support/app-server";
import { findChromium } from "./browser";

const APP_PORT = 8790;
// The Stripe emulator joins here once checkout exists; until then nothing listens on this port.
const STRIPE_PORT = 12191;

declare module "vitest" {
  export interface ProvidedContext {
    appUrl: string;
  }
}

export default async function setup(project: TestProject) {
  findChromium(); // fail early, with the install hint, before starting servers
  const app = await startApp({ port: APP_PORT, stripeApiBase: `http://127.0.0.1:${STRIPE_PORT}` });
  project.provide("appUrl", app.url);
  return async () => {
    await app.stop();
  };
}
