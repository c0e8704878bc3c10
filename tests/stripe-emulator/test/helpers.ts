// Shared test helpers: an SDK client pointed at the emulator and a webhook receiver
// that verifies every delivery with the official SDK.
import { createServer, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import Stripe from "stripe";
import { inject } from "vitest";
import { emulatorControl } from "../harness";
import { recordingFetch } from "./schema-check";

export const SECRET = "whsec_test_suite_secret";

export function emulatorUrl(): string {
  return inject("stripeEmulatorUrl");
}

export function stripeClient(key = "sk_test_suite"): Stripe {
  const { hostname, port } = new URL(emulatorUrl());
  return new Stripe(key, {
    host: hostname,
    port: Number(port),
    protocol: "http",
    // Every response is recorded for the schema check (setup-schema.ts).
    httpClient: Stripe.createFetchHttpClient(recordingFetch()),
    maxNetworkRetries: 0,
  });
}

export function control() {
  return emulatorControl(emulatorUrl());
}

export interface Received {
  event: Stripe.Event;
  raw: string;
  header: string;
  status: number;
}

/** A webhook endpoint. `respond` decides the status per delivery (default 200). */
export async function startReceiver(respond: (event: Stripe.Event, n: number) => number | Promise<number> = () => 200) {
  const verifier = new Stripe("sk_test_verifier");
  const received: Received[] = [];
  const rejected: string[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const header = String(req.headers["stripe-signature"] ?? "");
        try {
          const event = await verifier.webhooks.constructEventAsync(raw, header, SECRET, 300, Stripe.createSubtleCryptoProvider());
          const status = await respond(event, n++);
          received.push({ event, raw, header, status });
          res.writeHead(status).end();
        } catch (e) {
          rejected.push(e instanceof Error ? e.message : String(e));
          res.writeHead(400).end();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return {
    url,
    received,
    rejected,
    ok: () => received.filter((r) => r.status >= 200 && r.status < 300),
    clear: () => {
      received.length = 0;
      rejected.length = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export async function waitFor<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`waitFor timed out; last value: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates a product and a price; returns the price. */
export async function makePrice(
  stripe: Stripe,
  opts: { unit_amount?: number; recurring?: boolean; interval?: "day" | "month" | "year"; lookup_key?: string; name?: string } = {},
): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: opts.name ?? "Gatehouse Pro" });
  return stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: opts.unit_amount ?? 1500,
    ...(opts.recurring === false ? {} : { recurring: { interval: opts.interval ?? "month" } }),
    ...(opts.lookup_key ? { lookup_key: opts.lookup_key } : {}),
  });
}

/**
 * Event types concerning one customer, in emission order. Read from the emulator's own record of
 * each event's customer, which also covers objects without a customer field (invoice_payment).
 */
export async function eventTypesFor(_stripe: Stripe, customer: string): Promise<string[]> {
  return (await control().deliveries({ customer })).map((d) => d.type);
}
