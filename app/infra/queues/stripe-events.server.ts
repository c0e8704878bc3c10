import { consumeStripeEvents, deadLetterStripeEvents, type StripeEventQueue } from "../../domain/billing/queue.server";
import { createDb } from "../d1/db.server";
import { readConfig } from "../env.server";
import { createStripeClient } from "../stripe/client.server";
import { createBillingGateway } from "../stripe/gateway.server";
import { parseStoredEvent } from "../stripe/mappers.server";

// wrangler.toml [[queues.consumers]] (a test compares): the Stripe events and their dead letters.
export const STRIPE_EVENTS_QUEUE = "gatehouse-stripe-events";
export const STRIPE_EVENTS_DLQ = "gatehouse-stripe-events-dlq";

/** The STRIPE_EVENTS producer binding as the domain's port. JSON messages: the size the domain measures is the size the queue counts. */
export const stripeEventQueue = (binding: Queue): StripeEventQueue => ({
  send: async (message) => {
    await binding.send(message, { contentType: "json" });
  },
});

/** What the Worker's queue() runs: a batch of Stripe events, or of events the queue gave up on. */
export async function consumeQueueBatch(deps: { env: Env; batch: MessageBatch }) {
  const { env, batch } = deps;
  const db = createDb(env.DB);
  if (batch.queue === STRIPE_EVENTS_DLQ) {
    const marked = await deadLetterStripeEvents({ db, messages: batch.messages });
    if (marked > 0) console.warn(`queue ${batch.queue}: ${marked} events dead-lettered; replay them at /admin/webhooks`);
    return;
  }
  if (batch.queue !== STRIPE_EVENTS_QUEUE) throw new Error(`queue(): no consumer for queue ${batch.queue}`);
  const config = readConfig(env);
  const result = await consumeStripeEvents({
    db,
    gateway: createBillingGateway(() => createStripeClient(config)),
    parse: parseStoredEvent,
    graceDays: config.PAST_DUE_GRACE_DAYS,
    appUrl: config.APP_URL,
    now: () => Date.now(),
    messages: batch.messages,
  });
  if (result.retried + result.dropped > 0) console.warn(`queue ${batch.queue}: ${batch.messages.length} messages`, result);
}
