import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { enqueueStripeEvent } from "../domain/billing/queue.server";
import { AppError } from "../domain/errors";
import { runJson } from "../infra/http/action-result.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, readTextLimited } from "../infra/http/responses.server";
import { verifyWebhook } from "../infra/stripe/webhook.server";

const WEBHOOK_BODY_LIMIT = 256 * 1024;

const notQueued = () =>
  new AppError({ code: "not_queued", status: 500, message: "The event could not be queued now; Stripe will retry it." });

// Stripe's webhook: verified on the raw body, queued, acknowledged; the Worker's queue() runs it
// once through the inbox (ADR 020). 400 for anything that is not a genuine, fresh Stripe event;
// 500 (so Stripe retries) when it could not be queued: nothing is acknowledged and lost.
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
    await enqueueStripeEvent({ db: context.db, queue: context.stripeEvents, event, now: context.now() }).catch((e: unknown) => {
      console.error(`webhook ${event.id} (${event.type}) could not be queued`, e);
      throw notQueued();
    });
    return jsonResponse({ received: true, event: event.id, outcome: "queued" });
  });
}

export const loader = () => methodNotAllowed("POST");
