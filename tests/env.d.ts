import { type D1Migration } from "cloudflare:test";

declare module "cloudflare:test" {
  interface ProvidedEnv extends Env {
    TEST_MIGRATIONS: D1Migration[];
    /** Replays the delivery-order sample of a failed run (tests/factories/billing.ts); "" = a new seed. */
    GATEHOUSE_ORDER_SEED: string;
  }
}
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      GATEHOUSE_ORDER_SEED: string;
    }
  }
}
