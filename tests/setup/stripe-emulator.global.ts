import { startStripeEmulator } from "../stripe-emulator/harness";

// The integration tests' Stripe: the real emulator Worker, started once for the run. It keeps
// webhook deliveries pending; tests pull each signed event and POST it to the app inside workerd.
// GATEHOUSE_TEST_STRIPE_PORT moves it when two test runs share a machine.
export const INTEGRATION_STRIPE_PORT = Number(process.env.GATEHOUSE_TEST_STRIPE_PORT ?? 12112);

// Two projects (tests/vitest.config.ts) name this setup; they share one emulator, stopped after the last.
const shared = globalThis as { __gatehouseEmulator?: { users: number; running: ReturnType<typeof startStripeEmulator> } };

export default async function setup() {
  shared.__gatehouseEmulator ??= {
    users: 0,
    running: startStripeEmulator({ port: INTEGRATION_STRIPE_PORT, webhookUrl: null, webhookSecret: "whsec_gatehouse_tests" }),
  };
  const entry = shared.__gatehouseEmulator;
  entry.users++;
  await entry.running;
  return async () => {
    if (--entry.users > 0) return;
    shared.__gatehouseEmulator = undefined;
    await (await entry.running).stop();
  };
}
