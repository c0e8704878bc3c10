import Stripe from "stripe";
import { type AppConfig } from "../env.server";

/**
 * One Stripe client per request. With STRIPE_API_BASE set (dev, tests) the SDK talks to the local
 * emulator; without it, to api.stripe.com. Only host, port and protocol change, never the code.
 */
export function createStripeClient(config: Pick<AppConfig, "STRIPE_SECRET_KEY" | "STRIPE_API_BASE">): Stripe {
  const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : null;
  const protocol = base?.protocol === "http:" ? "http" : "https";
  return new Stripe(config.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
    timeout: 15_000,
    ...(base ? { host: base.hostname, port: base.port ? Number(base.port) : protocol === "http" ? 80 : 443, protocol } : {}),
  });
}
