// Webhook ingestion load. The real `customer.created` event the emulator made for the reader's
// customer (when the reader bought) is used as a template: the bench gives each copy a fresh event id and
// signs it with the app's webhook secret, as Stripe would. The app ignores this type, but records
// it in its inbox, so every request takes the full path: signature check, inbox lookup, inbox write.
import Stripe from "stripe";
import { type RequestSpec } from "autocannon";
import { emulatorControl } from "../stripe-emulator/control";

export type SignedEvent = { id: string; payload: string; header: string };

export function stripeClient(stripeUrl: string, key: string): Stripe {
  const url = new URL(stripeUrl);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: "http", httpClient: Stripe.createFetchHttpClient() });
}

/** The exact bytes of the emulator-made `customer.created` event for the reader's customer (a type the app does not act on). */
export async function templateEvent(opts: { stripeUrl: string; key: string; email: string }): Promise<string> {
  const stripe = stripeClient(opts.stripeUrl, opts.key);
  const customer = (await stripe.customers.list({ email: opts.email, limit: 1 })).data[0];
  if (!customer) throw new Error(`no Stripe customer for ${opts.email}`);
  const control = emulatorControl(opts.stripeUrl);
  await control.flush();
  const delivery = (await control.deliveries({ customer: customer.id, type: "customer.created" })).at(-1);
  if (!delivery) throw new Error("the emulator emitted no customer.created event");
  return (await control.signEvent(delivery.event_id)).payload;
}

export async function signedCopies(opts: { template: string; secret: string; count: number; tag: string }): Promise<SignedEvent[]> {
  const base = JSON.parse(opts.template) as Record<string, unknown>;
  const created = Math.floor(Date.now() / 1000);
  const events: SignedEvent[] = [];
  for (let i = 0; i < opts.count; i++) {
    const id = `evt_bench${opts.tag}${i.toString(36).padStart(6, "0")}`;
    const payload = JSON.stringify({ ...base, id, created });
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: opts.secret });
    events.push({ id, payload, header });
  }
  return events;
}

export type Outcomes = Record<string, number>;

/** One autocannon request spec that posts each event of `events` once, in order, across all connections (to the webhook unless told). */
export function uniqueEventRequests(events: SignedEvent[], outcomes: Outcomes, path = "/api/stripe/webhook"): RequestSpec[] {
  let next = 0;
  return [
    {
      method: "POST",
      path,
      setupRequest: (request) => {
        // Past the end (only if autocannon asks for more than `amount`), repeat the last event: it
        // then shows up as a duplicate in the outcomes instead of being miscounted as unique.
        const event = events[Math.min(next++, events.length - 1)]!;
        return { ...request, headers: { "Content-Type": "application/json", "Stripe-Signature": event.header }, body: event.payload };
      },
      onResponse: (status, body) => countOutcome(outcomes, status, body),
    },
  ];
}

export function countOutcome(outcomes: Outcomes, status: number, body: string): void {
  let outcome = `http_${status}`;
  // The one-queue-send ceiling answers a plain "ok".
  if (status === 200 && body === "ok") outcome = "ok";
  else if (status === 200) {
    try {
      outcome = String((JSON.parse(body) as { outcome?: string }).outcome);
    } catch {
      outcome = "unreadable";
    }
  }
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
}
