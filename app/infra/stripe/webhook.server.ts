import Stripe from "stripe";
import { type BillingEvent } from "../../domain/billing/types";
import { AppError } from "../../domain/errors";
import { toBillingEvent } from "./mappers.server";

const TOLERANCE_SECONDS = 300;
// Stateless: the SDK's signature check and Web Crypto, no client, key or connection behind them.
const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** A webhook counts only if its Stripe-Signature verifies over the raw body, within 5 minutes. */
export async function verifyWebhook(deps: {
  payload: string;
  signature: string | null;
  secret: string;
}): Promise<BillingEvent> {
  if (!deps.signature) throw invalidSignature("The Stripe-Signature header is missing.");
  let event: Stripe.Event;
  try {
    // The SDK's static verifier: checking a signature needs the secret, not an API client.
    event = await Stripe.webhooks.constructEventAsync(deps.payload, deps.signature, deps.secret, TOLERANCE_SECONDS, cryptoProvider);
  } catch (e) {
    throw invalidSignature(e instanceof Error ? e.message : "The signature could not be verified.");
  }
  try {
    return toBillingEvent(event, deps.payload);
  } catch {
    throw new AppError({ code: "invalid_event", status: 400, message: "The event is not a Stripe event we can read." });
  }
}

const invalidSignature = (message: string) => new AppError({ code: "invalid_signature", status: 400, message });
