// A typed client for the emulator's /_emulator control API. Plain fetch, no Node modules, so
// tests inside workerd can use it as well as Node-side tests.

export type DeliveryMode = "deliver" | "hold" | "drop";
export interface DeliveryAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
}
export interface Delivery {
  event_id: string;
  type: string;
  customer: string | null;
  status: "pending" | "held" | "dropped" | "succeeded" | "failed";
  attempts: DeliveryAttempt[];
}
export interface EmulatorConfig {
  webhookUrl: string | null;
  webhookSecret: string;
  mode: DeliveryMode;
}
export interface ReleaseOptions {
  order?: "in_order" | "reversed" | "shuffled";
  times?: number;
  customer?: string;
  seed?: number;
}
export interface ReleaseResult {
  released: { event_id: string; type: string; customer: string | null; attempts: { status_code: number | null; error: string | null }[] }[];
}

export function emulatorControl(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    health: () => call<{ ok: boolean }>("GET", "/_emulator/health"),
    config: (c?: { webhookUrl?: string | null; webhookSecret?: string }) =>
      c === undefined ? call<EmulatorConfig>("GET", "/_emulator/config") : call<EmulatorConfig>("POST", "/_emulator/config", c),
    reset: () => call<{ ok: boolean }>("POST", "/_emulator/reset"),
    setMode: (mode: DeliveryMode) => call<EmulatorConfig>("POST", "/_emulator/deliveries/mode", { mode }),
    release: (o: ReleaseOptions = {}) => call<ReleaseResult>("POST", "/_emulator/deliveries/release", o),
    flush: (timeoutMs = 15_000) => call<{ pending: number }>("POST", "/_emulator/deliveries/flush", { timeoutMs }),
    deliveries: async (q: { customer?: string; type?: string; status?: Delivery["status"] } = {}) => {
      const qs = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === "string"));
      return (await call<{ data: Delivery[] }>("GET", `/_emulator/deliveries?${qs}`)).data;
    },
    /** Real Stripe params the emulator accepted without modelling them, per endpoint ("POST /v1/customers"). */
    unmodeled: async () =>
      (await call<{ data: { endpoint: string; param: string; count: number; last_request_id: string }[] }>("GET", "/_emulator/unmodeled"))
        .data,
    signEvent: (eventId: string) => call<{ payload: string; header: string }>("POST", `/_emulator/events/${eventId}/sign`),
    /** Declines the customer's next `times` charges (default 1, or "always" until cleared with decline=false). */
    declineNextPayment: (customerId: string, decline = true, times: number | "always" = 1) =>
      call<{ customer: string; decline_next_payment: boolean; remaining: number | "always" }>(
        "POST",
        `/_emulator/customers/${customerId}/decline_next_payment`,
        { decline, times },
      ),
    attachClock: (customerId: string, testClock: string | null) =>
      call<{ customer: string; test_clock: string | null }>("POST", `/_emulator/customers/${customerId}/test_clock`, {
        test_clock: testClock,
      }),
    /** Settles a session completed with action=pay_async (payment mode). */
    resolveAsyncPayment: (sessionId: string, outcome: "succeeded" | "failed") =>
      call<Record<string, unknown>>("POST", `/_emulator/checkout/sessions/${sessionId}/async_payment`, { outcome }),
    /** Submits the hosted checkout form like the button does; returns status and redirect target. */
    pay: async (sessionUrl: string, action: "pay" | "decline" | "cancel" | "pay_async" = "pay") => {
      const res = await fetch(sessionUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ action }),
        redirect: "manual",
      });
      return { status: res.status, location: res.headers.get("location"), body: await res.text() };
    },
    /** Submits a billing portal form (add_payment_method, update_quantity, remove_item, cancel_now, cancel_at_period_end, renew). */
    portal: async (portalUrl: string, form: Record<string, string>) => {
      const res = await fetch(portalUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
        redirect: "manual",
      });
      return { status: res.status, location: res.headers.get("location"), body: await res.text() };
    },
  };
}

export type EmulatorControl = ReturnType<typeof emulatorControl>;
