// The single Durable Object that holds all emulator state. Every request (API,
// hosted page, control) runs here, so they are serialized like one Stripe account.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { type ApiContext, checkExpand, matchRoute } from "./api";
import { Billing, type DeliveryMode } from "./billing";
import { StripeError } from "./errors";
import { FormDecodeError, decodeForm, type FormObject } from "./form";
import { API_VERSION, publicView, type Obj } from "./objects";
import { renderCheckout, renderPortal, resolveAsyncPayment, submitCheckout, submitPortal } from "./pages";
import { Params } from "./params";
import { Store, randomId, type DeliveryRow } from "./store";
import { STRIPE_JS_PATH, stripeJs } from "./stripe-js";
import { ENDPOINTS } from "./stripe-spec";
import { MAX_ATTEMPTS, backoffSeconds, postWebhook, shuffle, signPayload } from "./webhooks";

export interface Env {
  EMULATOR: DurableObjectNamespace<StripeEmulator>;
  STRIPE_WEBHOOK_URL?: string;
  STRIPE_WEBHOOK_SECRET?: string;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { "content-type": "application/json", ...headers } });

const ConfigBody = z.object({
  webhookUrl: z.string().url().nullable().optional(),
  webhookSecret: z.string().min(1).optional(),
});
const ModeBody = z.object({ mode: z.enum(["deliver", "hold", "drop"]) });
const ReleaseBody = z.object({
  order: z.enum(["in_order", "reversed", "shuffled"]).default("in_order"),
  times: z.number().int().min(1).max(20).default(1),
  customer: z.string().optional(),
  seed: z.number().int().optional(),
});
const DeclineBody = z.object({
  decline: z.boolean().default(true),
  times: z.union([z.number().int().min(1).max(1000), z.literal("always")]).default(1),
});
const ClockBody = z.object({ test_clock: z.string().nullable() });
const AsyncBody = z.object({ outcome: z.enum(["succeeded", "failed"]) });
const FlushBody = z.object({ timeoutMs: z.number().int().min(0).max(120_000).default(15_000) });

export class StripeEmulator extends DurableObject<Env> {
  private readonly store: Store;
  private readonly billing: Billing;
  // In-memory only: guards against two concurrent delivery loops in this instance.
  private pumping: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage.sql);
    this.billing = new Billing(this.store, () => this.mode());
  }

  // ---------- config ----------

  private mode(): DeliveryMode {
    return (this.store.getConfig("mode") as DeliveryMode | null) ?? "deliver";
  }

  private webhookUrl(): string | null {
    const v = this.store.getConfig("webhookUrl");
    if (v !== null) return JSON.parse(v) as string | null;
    return this.env.STRIPE_WEBHOOK_URL || null;
  }

  private webhookSecret(): string {
    return this.store.getConfig("webhookSecret") ?? this.env.STRIPE_WEBHOOK_SECRET ?? "whsec_gatehouse_local_dev_secret";
  }

  private apiContext(origin: string): ApiContext {
    return {
      billing: this.billing,
      origin,
      pendingWebhooks: (id) => {
        const d = this.store.firstDelivery("event_id = ?", id);
        return d && d.status !== "succeeded" ? 1 : 0;
      },
      deliverySucceeded: (id) => this.store.firstDelivery("event_id = ?", id)?.status === "succeeded",
    };
  }

  // ---------- entry ----------

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    this.billing.emitted = 0;
    // Real time catches up before every request, so reads see renewals and expiries.
    if (!url.pathname.startsWith("/_emulator/reset")) this.catchUp();
    this.billing.request = { requestId: null, idempotencyKey: null };
    let response: Response;
    try {
      if (url.pathname.startsWith("/_emulator/")) response = await this.control(request, url);
      else if (url.pathname.startsWith("/v1/")) response = await this.api(request, url);
      else response = await this.hosted(request, url);
    } catch (e) {
      console.error("stripe-emulator: unhandled error", e);
      response = json(new StripeError(500, "api_error", "An unexpected error occurred in the local Stripe emulator.").toJSON(), 500);
    }
    // Again after the request: it may have created something with a real-time step ahead.
    if (!url.pathname.startsWith("/_emulator/reset")) this.catchUp();
    // Also kick when due deliveries exist but no loop runs (e.g. after a restart lost the loop).
    if (this.billing.emitted > 0 || (!this.pumping && this.store.firstDelivery("status = 'pending' AND next_at <= ?", Date.now())))
      this.kick();
    else this.ctx.waitUntil(this.scheduleAlarm());
    return response;
  }

  override async alarm(): Promise<void> {
    this.billing.emitted = 0;
    this.catchUp();
    await this.pump();
    await this.scheduleAlarm();
  }

  /** Next real-time step (renewal, trial end, session expiry); null when none is pending. */
  private nextRealTimeStep: number | null = null;
  /** store.timedVersion when nextRealTimeStep was computed (-1: never, e.g. after a restart). */
  private tickedAt = -1;

  private catchUp(): void {
    const now = Math.floor(Date.now() / 1000);
    // Nothing timed was written since the last scan and its next step is still ahead: nothing is due.
    if (this.tickedAt === this.store.timedVersion && (this.nextRealTimeStep === null || now < this.nextRealTimeStep)) return;
    try {
      this.nextRealTimeStep = this.billing.tick(now);
      this.tickedAt = this.store.timedVersion;
    } catch (e) {
      console.error("stripe-emulator: real-time step failed", e);
    }
  }

  /** One alarm serves both delivery retries and real-time steps: the earlier wins. */
  private async scheduleAlarm(): Promise<void> {
    const candidates: number[] = [];
    if (this.webhookUrl()) {
      const due = this.store.nextPendingAt();
      if (due !== null) candidates.push(Math.max(Date.now() + 50, due));
    }
    if (this.nextRealTimeStep !== null) candidates.push(this.nextRealTimeStep * 1000 + 100);
    if (candidates.length === 0) return;
    const at = Math.min(...candidates);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at || current < Date.now()) await this.ctx.storage.setAlarm(at);
  }

  private kick(): void {
    this.ctx.waitUntil(this.pump());
  }

  // ---------- /v1 API ----------

  private async api(request: Request, url: URL): Promise<Response> {
    const requestId = randomId("req_", 14);
    const headers: Record<string, string> = {
      "request-id": requestId,
      "stripe-version": request.headers.get("stripe-version") ?? API_VERSION,
    };
    const idemHeader = request.headers.get("idempotency-key");
    if (idemHeader && request.method.toUpperCase() === "POST") headers["idempotency-key"] = idemHeader;
    const fail = (e: StripeError) => json(e.toJSON(), e.status, headers);
    const auth = request.headers.get("authorization") ?? "";
    const key = /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? "";
    if (!auth) {
      return fail(
        new StripeError(
          401,
          "invalid_request_error",
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ),
      );
    }
    if (!key.startsWith("sk_test_") || key.length < 9) {
      const shown = key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
      return fail(new StripeError(401, "invalid_request_error", `Invalid API Key provided: ${shown}`));
    }

    const method = request.method.toUpperCase();
    const body = method === "GET" || method === "HEAD" ? "" : await request.text();
    const idemKey = method === "POST" ? request.headers.get("idempotency-key") : null;
    const fingerprint = `${method} ${url.pathname}?${url.search}\n${body}`;
    if (idemKey) {
      if (idemKey.length > 255)
        return fail(new StripeError(400, "invalid_request_error", "Idempotency keys must be at most 255 characters."));
      const prior = this.store.getIdempotent(idemKey);
      if (prior) {
        if (prior.fingerprint !== fingerprint)
          return fail(
            new StripeError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            ),
          );
        return new Response(prior.body, {
          status: prior.status,
          headers: { "content-type": "application/json", ...headers, "idempotent-replayed": "true", "original-request": "replayed" },
        });
      }
    }
    this.billing.request = { requestId, idempotencyKey: idemKey };

    let status = 200;
    let out: unknown;
    try {
      let form: FormObject;
      try {
        const query = url.search.length > 1 ? decodeForm(url.search.slice(1)) : {};
        form = { ...query, ...decodeForm(body) };
      } catch (e) {
        if (e instanceof FormDecodeError)
          throw new StripeError(
            400,
            "invalid_request_error",
            `Invalid request: unparseable parameter name ${e.param}`,
            "parameter_unknown",
            e.param,
          );
        throw e;
      }
      const m = matchRoute(method, url.pathname);
      if (!m)
        throw new StripeError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        );
      const params = new Params(form, "", ENDPOINTS[m.key]?.params ?? null);
      // Stripe checks expand[] before it runs anything: a bad path on a create writes nothing.
      checkExpand(m.key, params.expand());
      out = m.handler(this.apiContext(url.origin), params, m.args);
      // Real Stripe params this endpoint accepted without modelling them: listed for whoever wonders.
      if (params.unmodeled.length > 0) {
        this.store.recordUnmodeled(m.key, params.unmodeled, requestId);
        console.info(`stripe-emulator: accepted but not modelled on ${m.key}: ${params.unmodeled.join(", ")}`);
      }
    } catch (e) {
      if (!(e instanceof StripeError)) throw e;
      status = e.status;
      out = e.toJSON();
    }
    const text = JSON.stringify(out, null, 2);
    if (idemKey && status < 500) this.store.putIdempotent(idemKey, fingerprint, status, text);
    return new Response(text, { status, headers: { "content-type": "application/json", ...headers } });
  }

  // ---------- hosted pages ----------

  private async hosted(request: Request, url: URL): Promise<Response> {
    const ctx = this.apiContext(url.origin);
    const checkout = /^\/c\/pay\/(cs_test_[A-Za-z0-9]+)$/.exec(url.pathname);
    const portal = /^\/p\/session\/(bps_[A-Za-z0-9]+)$/.exec(url.pathname);
    if ((checkout || portal) && request.method === "GET") {
      return checkout
        ? renderCheckout(ctx, checkout[1] as string, url.searchParams.get("client_secret"))
        : renderPortal(ctx, (portal as RegExpExecArray)[1] as string);
    }
    if ((checkout || portal) && request.method === "POST") {
      const form = new URLSearchParams(await request.text().catch(() => ""));
      // Another request may have run while the body was read; page events carry no request id.
      this.billing.request = { requestId: null, idempotencyKey: null };
      return checkout
        ? submitCheckout(ctx, checkout[1] as string, form.get("action") ?? "", form.get("client_secret"))
        : submitPortal(ctx, (portal as RegExpExecArray)[1] as string, form);
    }
    if (url.pathname === STRIPE_JS_PATH && request.method === "GET") return stripeJs(url.origin);
    if (url.pathname === "/" && request.method === "GET")
      return new Response("Local Stripe emulator. See docs/stripe-emulator.md.\n", { headers: { "content-type": "text/plain" } });
    return json(
      new StripeError(404, "invalid_request_error", `Unrecognized request URL (${request.method}: ${url.pathname}).`).toJSON(),
      404,
    );
  }

  // ---------- control API ----------

  private async control(request: Request, url: URL): Promise<Response> {
    const path = url.pathname;
    const method = request.method.toUpperCase();
    const readBody = async <T>(schema: z.ZodType<T>): Promise<T> => {
      const text = await request.text();
      let raw: unknown = {};
      if (text.trim()) {
        try {
          raw = JSON.parse(text);
        } catch {
          throw new ControlError("Body must be JSON.");
        }
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) throw new ControlError(parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
      return parsed.data;
    };
    try {
      if (path === "/_emulator/health" && method === "GET") return json({ ok: true });
      if (path === "/_emulator/config" && method === "GET") return json(this.configView());
      if (path === "/_emulator/config" && method === "POST") {
        const body = await readBody(ConfigBody);
        if (body.webhookUrl !== undefined) this.store.setConfig("webhookUrl", JSON.stringify(body.webhookUrl));
        if (body.webhookSecret !== undefined) this.store.setConfig("webhookSecret", body.webhookSecret);
        this.kick();
        return json(this.configView());
      }
      if (path === "/_emulator/reset" && method === "POST") {
        this.store.reset();
        await this.ctx.storage.deleteAlarm();
        return json({ ok: true });
      }
      if (path === "/_emulator/deliveries/mode" && method === "POST") {
        const { mode } = await readBody(ModeBody);
        this.store.setConfig("mode", mode);
        return json(this.configView());
      }
      if (path === "/_emulator/deliveries/release" && method === "POST") return json(await this.release(await readBody(ReleaseBody)));
      if (path === "/_emulator/deliveries/flush" && method === "POST") {
        const { timeoutMs } = await readBody(FlushBody);
        return json(await this.flush(timeoutMs));
      }
      if (path === "/_emulator/unmodeled" && method === "GET") return json({ data: this.store.unmodeled() });
      if (path === "/_emulator/deliveries" && method === "GET") {
        const q = url.searchParams;
        const where: string[] = [];
        const args: string[] = [];
        for (const column of ["customer", "type", "status"] as const) {
          const value = q.get(column);
          if (value) {
            where.push(`${column} = ?`);
            args.push(value);
          }
        }
        const rows = this.store.deliveries(where.join(" AND ") || "1 = 1", ...args).map(deliveryView);
        return json({ data: rows });
      }
      const sign = /^\/_emulator\/events\/([^/]+)\/sign$/.exec(path);
      if (sign && method === "POST") {
        const event = this.store.event(sign[1] as string);
        if (!event) return json({ error: `No such event: ${sign[1]}` }, 404);
        const payload = this.payload(event);
        const header = await signPayload(payload, this.webhookSecret(), Math.floor(Date.now() / 1000));
        return json({ payload, header });
      }
      const decline = /^\/_emulator\/customers\/([^/]+)\/decline_next_payment$/.exec(path);
      if (decline && method === "POST") {
        const { decline: flag, times } = await readBody(DeclineBody);
        const c = this.customerOr404(decline[1] as string);
        c._decline_remaining = flag ? times : 0;
        this.store.put(c);
        return json({ customer: c.id, decline_next_payment: flag, remaining: c._decline_remaining });
      }
      const asyncPay = /^\/_emulator\/checkout\/sessions\/([^/]+)\/async_payment$/.exec(path);
      if (asyncPay && method === "POST") {
        const { outcome } = await readBody(AsyncBody);
        const result = resolveAsyncPayment(this.apiContext(url.origin), asyncPay[1] as string, outcome === "succeeded");
        if (typeof result === "string") return json({ error: result }, 400);
        return json(publicView(result));
      }
      const clock = /^\/_emulator\/customers\/([^/]+)\/test_clock$/.exec(path);
      if (clock && method === "POST") {
        const { test_clock } = await readBody(ClockBody);
        const c = this.customerOr404(clock[1] as string);
        if (test_clock) {
          const tc = this.store.get(test_clock);
          if (!tc || tc.object !== "test_helpers.test_clock") return json({ error: `No such test clock: ${test_clock}` }, 404);
        }
        c.test_clock = test_clock;
        this.store.put(c);
        for (const sub of this.store.all("subscription").filter((s) => s.customer === c.id)) {
          sub.test_clock = test_clock;
          this.store.put(sub);
        }
        return json({ customer: c.id, test_clock });
      }
      return json({ error: `Unknown emulator endpoint: ${method} ${path}` }, 404);
    } catch (e) {
      if (e instanceof ControlError) return json({ error: e.message }, e.status);
      throw e;
    }
  }

  private customerOr404(id: string): Obj {
    const c = this.store.get(id);
    if (!c || c.object !== "customer") throw new ControlError(`No such customer: ${id}`, 404);
    return c;
  }

  private configView() {
    return { webhookUrl: this.webhookUrl(), webhookSecret: this.webhookSecret(), mode: this.mode() };
  }

  // ---------- webhook delivery ----------

  private payload(event: Obj): string {
    const d = this.store.firstDelivery("event_id = ?", event.id);
    return JSON.stringify({ ...event, pending_webhooks: d && d.status !== "succeeded" ? 1 : 0 }, null, 2);
  }

  private async attempt(d: DeliveryRow, url: string): Promise<DeliveryRow> {
    const event = this.store.event(d.event_id);
    if (!event) return d;
    const result = await postWebhook(url, this.payload(event), this.webhookSecret());
    // Re-read: a reset or a concurrent release may have changed the row meanwhile.
    const fresh = this.store.firstDelivery("seq = ?", d.seq);
    if (!fresh) return d;
    console.info(`webhook ${d.type} ${d.event_id} -> ${result.status_code ?? result.error} (attempt ${fresh.attempts.length + 1})`);
    fresh.attempts.push(result);
    if (result.status_code !== null && result.status_code >= 200 && result.status_code < 300) fresh.status = "succeeded";
    this.store.updateDelivery(fresh);
    return fresh;
  }

  private settle(d: DeliveryRow): void {
    if (d.status === "succeeded") return;
    if (d.attempts.length >= MAX_ATTEMPTS) d.status = "failed";
    else {
      d.status = "pending";
      d.next_at = Date.now() + backoffSeconds(d.attempts.length) * 1000;
    }
    this.store.updateDelivery(d);
  }

  /** One delivery at a time, in emission order; failures wait for their backoff. */
  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    const run = this.pumpLoop();
    this.pumping = run;
    // Cleared only after assignment: the loop may finish synchronously when idle.
    void run.finally(() => {
      if (this.pumping === run) this.pumping = null;
    });
    return run;
  }

  private async pumpLoop(): Promise<void> {
    await Promise.resolve();
    for (let i = 0; i < 10_000; i++) {
      const url = this.webhookUrl();
      if (!url) break;
      const due = this.store.firstDelivery("status = 'pending' AND next_at <= ?", Date.now());
      if (!due) break;
      const after = await this.attempt(due, url);
      this.settle(after);
    }
    await this.scheduleAlarm();
  }

  private async flush(timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.pump();
      // A pump that was already running may have returned before later rows were due.
      if (this.store.firstDelivery("status = 'pending' AND next_at <= ?", Date.now())) continue;
      const next = this.store.nextPendingAt();
      if (next === null || !this.webhookUrl()) break;
      const wait = Math.min(Math.max(0, next - Date.now()), deadline - Date.now());
      await new Promise((r) => setTimeout(r, Math.max(wait, 10)));
    }
    return { pending: this.store.deliveries("status = 'pending'").length };
  }

  private async release(opts: z.infer<typeof ReleaseBody>) {
    const url = this.webhookUrl();
    if (!url) throw new ControlError("No webhookUrl configured; set one with POST /_emulator/config first.");
    let held = this.store.deliveries("status = 'held'").filter((d) => !opts.customer || d.customer === opts.customer);
    if (opts.order === "reversed") held = held.reverse();
    if (opts.order === "shuffled") held = shuffle(held, opts.seed ?? Date.now());
    const released: {
      event_id: string;
      type: string;
      customer: string | null;
      attempts: { status_code: number | null; error: string | null }[];
    }[] = [];
    for (const d of held) {
      const results = await Promise.all(
        Array.from({ length: opts.times }, async () => {
          const event = this.store.event(d.event_id);
          if (!event) return null;
          return postWebhook(url, this.payload(event), this.webhookSecret());
        }),
      );
      const fresh = this.store.firstDelivery("seq = ?", d.seq);
      const attempts = results.filter((r) => r !== null);
      released.push({
        event_id: d.event_id,
        type: d.type,
        customer: d.customer,
        attempts: attempts.map((a) => ({ status_code: a.status_code, error: a.error })),
      });
      if (!fresh) continue;
      fresh.attempts.push(...attempts);
      if (attempts.some((a) => a.status_code !== null && a.status_code >= 200 && a.status_code < 300)) fresh.status = "succeeded";
      this.store.updateDelivery(fresh);
      this.settle(fresh);
    }
    this.kick();
    return { released };
  }
}

class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function deliveryView(d: DeliveryRow) {
  return { event_id: d.event_id, type: d.type, customer: d.customer, status: d.status, attempts: d.attempts };
}
