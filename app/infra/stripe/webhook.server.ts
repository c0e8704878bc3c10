import Stripe from "stripe";
import { type BillingEvent } from "../../domain/billing/types";
import { AppError } from "../../domain/errors";
import { toBillingEvent } from "./mappers.server";

const TOLERANCE_SECONDS = 300;
// Stateless: the SDK's signature check and Web Crypto, no client, key or connection behind them.
const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** A webhook counts only if its Stripe-Signature verifies over the raw body, signed within 5 minutes either side of now. */
export async function verifyWebhook(deps: {
  payload: string;
  signature: string | null;
  secret: string;
  now: number;
}): Promise<BillingEvent> {
  if (!deps.signature) throw invalidSignature("The Stripe-Signature header is missing.");
  let event: Stripe.Event;
  try {
    // The SDK's static verifier: checking a signature needs the secret, not an API client.
    event = await Stripe.webhooks.constructEventAsync(deps.payload, deps.signature, deps.secret, TOLERANCE_SECONDS, cryptoProvider);
  } catch (e) {
    throw invalidSignature(e instanceof Error ? e.message : "The signature could not be verified.");
  }
  // The SDK refuses only signatures that are too old; one dated in the future would stay
  // replayable until that moment plus the tolerance.
  if (signatureTimestamps(deps.signature).some((t) => t > deps.now / 1000 + TOLERANCE_SECONDS)) {
    throw invalidSignature("The signature's timestamp is in the future.");
  }
  try {
    return toBillingEvent(event, deps.payload);
  } catch {
    throw new AppError({ code: "invalid_event", status: 400, message: "The event is not a Stripe event we can read." });
  }
}

// The header's t= values (the SDK has checked that the signed one is there).
const signatureTimestamps = (header: string) =>
  header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.startsWith("t="))
    .map((part) => Number.parseInt(part.slice(2), 10));

const invalidSignature = (message: string) => new AppError({ code: "invalid_signature", status: 400, message });
