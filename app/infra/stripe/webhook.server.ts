import Stripe from "stripe";
import { type BillingEvent } from "../../domain/billing/types";
import { AppError } from "../../domain/errors";
import { toBillingEvent } from "./mappers.server";

const TOLERANCE_SECONDS = 300;
// The SDK's signature check over Web Crypto, no client or connection behind it. The SDK imports the
// webhook secret as an HMAC key for every event it checks; the key is the same for every event, so
// the SubtleCrypto it is given imports each secret once per isolate (what it signs with is unchanged).
const importedKeys = new Map<string, Promise<CryptoKey>>();
const MAX_IMPORTED_KEYS = 8;
const rememberingSubtle = {
  importKey(format: "raw", keyData: Uint8Array<ArrayBuffer>, algorithm: HmacImportParams, extractable: boolean, usages: KeyUsage[]) {
    const id = JSON.stringify([format, algorithm, extractable, usages, Array.from(keyData)]);
    let key = importedKeys.get(id);
    if (!key) {
      if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear();
      key = crypto.subtle.importKey(format, keyData, algorithm, extractable, usages);
      // A failed import is not remembered: the next event tries again.
      key.catch(() => importedKeys.delete(id));
      importedKeys.set(id, key);
    }
    return key;
  },
  sign: (algorithm: string, key: CryptoKey, data: Uint8Array<ArrayBuffer>) => crypto.subtle.sign(algorithm, key, data),
  digest: (algorithm: string, data: Uint8Array<ArrayBuffer>) => crypto.subtle.digest(algorithm, data),
};
const cryptoProvider = Stripe.createSubtleCryptoProvider(rememberingSubtle as unknown as SubtleCrypto);

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
