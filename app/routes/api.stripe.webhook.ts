import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { processStripeEvent } from "../domain/billing/inbox.server";
import { type BillingEvent } from "../domain/billing/types";
import { isAppError } from "../domain/errors";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { errorJson, jsonResponse, readTextLimited } from "../infra/http/responses.server";
import { verifyWebhook } from "../infra/stripe/webhook.server";

const WEBHOOK_BODY_LIMIT = 256 * 1024;

// Stripe's webhook: verified on the raw body, run once through the inbox. 400 for anything that
// is not a genuine, fresh Stripe event; 500 (so Stripe retries) when processing fails.
export async function action({ request, context }: ActionFunctionArgs) {
  let event: BillingEvent;
  try {
    const payload = await readTextLimited(request, WEBHOOK_BODY_LIMIT);
    event = await verifyWebhook({
      payload,
      signature: request.headers.get("Stripe-Signature"),
      secret: context.config.STRIPE_WEBHOOK_SECRET,
      now: context.now(),
    });
  } catch (e) {
    if (isAppError(e)) return errorJson(400, e.code, e.message);
    throw e;
  }
  try {
    const result = await processStripeEvent({
      db: context.db,
      gateway: context.billing(),
      event,
      graceDays: context.config.PAST_DUE_GRACE_DAYS,
      appUrl: context.config.APP_URL,
      now: context.now(),
    });
    return jsonResponse({ received: true, event: event.id, outcome: result.outcome });
  } catch (e) {
    console.error(`webhook ${event.id} (${event.type}) failed`, e);
    return errorJson(500, "processing_failed", "The event could not be processed now; Stripe will retry it.");
  }
}

export const loader = () => methodNotAllowed("POST");
