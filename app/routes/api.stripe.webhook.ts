import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { processStripeEvent } from "../domain/billing/inbox.server";
import { AppError } from "../domain/errors";
import { runJson } from "../infra/http/action-result.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, readTextLimited } from "../infra/http/responses.server";
import { verifyWebhook } from "../infra/stripe/webhook.server";

const WEBHOOK_BODY_LIMIT = 256 * 1024;

const processingFailed = () =>
  new AppError({ code: "processing_failed", status: 500, message: "The event could not be processed now; Stripe will retry it." });

// Stripe's webhook: verified on the raw body, run once through the inbox. 400 for anything that
// is not a genuine, fresh Stripe event; 500 (so Stripe retries) when processing fails.
export async function action({ request, context }: ActionFunctionArgs) {
  const event = await runJson(
    async () =>
      verifyWebhook({
        payload: await readTextLimited(request, WEBHOOK_BODY_LIMIT),
        signature: request.headers.get("Stripe-Signature"),
        secret: context.config.STRIPE_WEBHOOK_SECRET,
        now: context.now(),
      }),
    // Every refusal, an oversized body too, is the 400 Stripe's docs expect.
    { status: 400 },
  );
  if (event instanceof Response) return event;
  return runJson(async () => {
    // Any failure here, a bug included, is logged and answered 500: Stripe retries the event later.
    const result = await processStripeEvent({
      db: context.db,
      gateway: context.billing(),
      event,
      graceDays: context.config.PAST_DUE_GRACE_DAYS,
      appUrl: context.config.APP_URL,
      now: context.now(),
    }).catch((e: unknown) => {
      console.error(`webhook ${event.id} (${event.type}) failed`, e);
      throw processingFailed();
    });
    return jsonResponse({ received: true, event: event.id, outcome: result.outcome });
  });
}

export const loader = () => methodNotAllowed("POST");
