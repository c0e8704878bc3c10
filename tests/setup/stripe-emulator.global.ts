import { startStripeEmulator } from "../stripe-emulator/harness";

// The integration tests' Stripe: the real emulator Worker, started once for the run. It keeps
// webhook deliveries pending; tests pull each signed event and POST it to the app inside workerd.
// GATEHOUSE_TEST_STRIPE_PORT moves it when two test runs share a machine.
export const INTEGRATION_STRIPE_PORT = Number(process.env.GATEHOUSE_TEST_STRIPE_PORT ?? 12112);

export default async function setup() {
  const emulator = await startStripeEmulator({
    port: INTEGRATION_STRIPE_PORT,
    webhookUrl: null,
    webhookSecret: "whsec_gatehouse_tests",
  });
  return async () => {
    await emulator.stop();
  };
}
