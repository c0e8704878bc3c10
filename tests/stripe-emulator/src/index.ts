// Worker entry: every request goes to the one Durable Object that owns the state.
import { type Env, StripeEmulator } from "./emulator";

export { StripeEmulator };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const stub = env.EMULATOR.get(env.EMULATOR.idFromName("stripe-emulator"));
    return stub.fetch(request);
  },
} satisfies ExportedHandler<Env>;
