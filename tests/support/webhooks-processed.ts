// Waits until the app has processed every webhook the emulator delivered. A delivery answered 200
// only means verified and queued (ADR 020); the app's queue consumer records it in the inbox (its
// local D1 under `wrangler --persist-to`) within about max_batch_timeout. Node-side.
import { emulatorControl } from "../stripe-emulator/control";
import { runWranglerAsync } from "./wrangler";

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Flushes the emulator's deliveries, then polls the app's inbox (at most `timeoutMs`) until each delivered event is processed or ignored. */
export async function webhooksProcessed(opts: { stripeUrl: string; persistTo: string; customer?: string; timeoutMs?: number }) {
  const control = emulatorControl(opts.stripeUrl);
  const { pending } = await control.flush();
  if (pending !== 0) throw new Error(`${pending} webhook deliveries still pending`);
  const ids = (await control.deliveries({ status: "succeeded", ...(opts.customer ? { customer: opts.customer } : {}) })).map(
    (d) => d.event_id,
  );
  if (ids.length === 0) return;
  const sql = `SELECT count(*) AS n FROM processed_webhook_events WHERE status IN ('processed', 'ignored') AND event_id IN (${ids.map(quote).join(", ")})`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const out = JSON.parse(
      await runWranglerAsync(["d1", "execute", "DB", "--local", "--persist-to", opts.persistTo, "--json", "--command", sql]),
    ) as { results: { n: number }[] }[];
    const done = out[0]?.results[0]?.n ?? 0;
    if (done >= ids.length) return;
    if (Date.now() > deadline) throw new Error(`the app processed ${done} of ${ids.length} delivered webhooks`);
  }
}
