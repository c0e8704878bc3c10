// The bench's data, made the way production makes it: sign up through the API, open Checkout,
// pay on the emulator's hosted page, and let the emulator's signed webhooks provision (pay first).
import { emulatorControl } from "../stripe-emulator/control";
import { nextClientAddress } from "../support/client-address";
import { BENCH_UNCHECKED_LESSON_PREFIX, CHECKED_LESSON_PREFIX } from "./hooks";

export const LESSON_PATH = `${CHECKED_LESSON_PREFIX}foundations/pay-first`;
// The same lesson served by the bench entry without its access check (tests/bench/worker/entry.ts).
export const UNCHECKED_LESSON_PATH = `${BENCH_UNCHECKED_LESSON_PREFIX}foundations/pay-first`;
export const LESSON_TEXT = "Never create an account, a team or a licence before the money is confirmed";
const PASSWORD = "bench-correct-horse-battery";

/** A Node HTTP client that keeps the session cookie and sends same-origin headers like a browser. */
export class Browser {
  cookie: string | null = null;
  bookmark: string | null = null;
  // Each simulated person is a client of their own, as rate limits see clients (ADR 010).
  readonly clientAddress = nextClientAddress();
  constructor(readonly appUrl: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookies = [this.cookie, this.bookmark].filter(Boolean).join("; ");
    if (cookies) headers.set("Cookie", cookies);
    headers.set("CF-Connecting-IP", this.clientAddress);
    if (init.method && init.method !== "GET") headers.set("Origin", this.appUrl);
    const res = await fetch(`${this.appUrl}${path}`, { ...init, headers, redirect: "manual" });
    for (const set of res.headers.getSetCookie()) {
      const pair = set.split(";")[0]!;
      const value = pair.endsWith("=") ? null : pair;
      // The D1 bookmark (ADR 021) is kept apart from the session cookie, as a browser keeps both.
      if (/^(__Host-)?gh_d1=/.test(pair)) this.bookmark = value;
      else this.cookie = value;
    }
    return res;
  }

  postJson(path: string, body: unknown): Promise<Response> {
    return this.fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }
}

export async function signUp(appUrl: string, email: string): Promise<{ browser: Browser; userId: string; email: string }> {
  const browser = new Browser(appUrl);
  const res = await browser.postJson("/api/auth/signup", { email, password: PASSWORD });
  if (res.status !== 200) throw new Error(`signup ${email} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  return { browser, userId: body.user.id, email };
}

type Tenant = { id: string; name: string; slug: string };

/** Checkout -> Pay on the emulator -> wait until the webhook has provisioned the purchase. */
export async function buy(
  browser: Browser,
  stripeUrl: string,
  body: Record<string, unknown>,
): Promise<{ intentId: string; tenant: Tenant }> {
  const res = await browser.postJson("/api/billing/create-checkout-session", body);
  if (res.status !== 200) throw new Error(`checkout failed: ${res.status} ${await res.text()}`);
  const { url, intentId } = (await res.json()) as { url: string; intentId: string };
  const paid = await emulatorControl(stripeUrl).pay(url, "pay");
  if (paid.status !== 303) throw new Error(`payment failed on the emulator: ${paid.status} ${paid.body.slice(0, 300)}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const check = await browser.fetch(`/api/purchase-intents/${intentId}`);
    const { intent } = (await check.json()) as { intent?: { state: string; tenant: Tenant | null } };
    if (intent?.state === "provisioned" && intent.tenant) return { intentId, tenant: intent.tenant };
    if (Date.now() > deadline) throw new Error(`intent ${intentId} not provisioned in 30 s (state ${intent?.state})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type World = {
  reader: { browser: Browser; userId: string; email: string; tenant: Tenant };
  tenants: Tenant[];
  users: number;
};

/**
 * One entitled reader (Accelerator, which also starts an Organization trial) plus `extraTenants`
 * Organization buyers, so the tables the access query reads are not trivially empty.
 */
export async function buildWorld(opts: { appUrl: string; stripeUrl: string; extraTenants: number }): Promise<World> {
  const reader = await signUp(opts.appUrl, "bench-reader@example.com");
  const bought = await buy(reader.browser, opts.stripeUrl, { priceId: "prc_accelerator_lifetime", organizationName: "Bench Academy" });
  const tenants: Tenant[] = [bought.tenant];
  for (let i = 0; i < opts.extraTenants; i++) {
    const owner = await signUp(opts.appUrl, `bench-owner-${i}@example.com`);
    const org = await buy(owner.browser, opts.stripeUrl, {
      priceId: "prc_organization_pro_monthly",
      quantity: 5,
      organizationName: `Bench Org ${i}`,
    });
    tenants.push(org.tenant);
  }
  const lesson = await reader.browser.fetch(LESSON_PATH);
  const text = (await lesson.text()).replace(/<!-- -->/g, "");
  if (lesson.status !== 200 || !text.includes(LESSON_TEXT)) throw new Error(`the reader is not entitled to the lesson (${lesson.status})`);
  return { reader: { ...reader, tenant: bought.tenant }, tenants, users: 1 + opts.extraTenants };
}
