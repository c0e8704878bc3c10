// Post-deploy smoke test of licensing: `npm run smoke:licensing -- --url https://gatehouse.example.com`.
// Runs against any running Gatehouse (the local dev server included) and leaves behind only a
// throwaway user (smoke+<random>@example.com) and the unpaid Checkout it starts. One line per check,
// exit code 1 when any fails.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

type Result = { ok: boolean; detail: string };
type Check = { name: string } & Result;

const USAGE = "usage: npm run smoke:licensing -- --url <origin> [--client-ip <address>] [--timeout-ms <ms>]";

/** A cookie jar for one client, filled from Set-Cookie like a browser's (name=value pairs only). */
class Client {
  private cookies = new Map<string, string>();
  constructor(
    private readonly origin: string,
    private readonly opts: { clientIp?: string; timeoutMs: number },
  ) {}

  async fetch(
    path: string,
    init: { method?: string; form?: Record<string, string>; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ) {
    const headers = new Headers(init.headers);
    const method = init.method ?? (init.form || init.json !== undefined || init.body !== undefined ? "POST" : "GET");
    // The app refuses cross-site writes (Origin / Sec-Fetch-Site), as a browser posting its own form is not.
    if (method !== "GET" && !headers.has("Origin")) headers.set("Origin", this.origin);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    // Read by a local server only: Cloudflare sets this header itself in production.
    if (this.opts.clientIp) headers.set("CF-Connecting-IP", this.opts.clientIp);
    let body: string | undefined = init.body;
    if (init.form) {
      headers.set("Content-Type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers.set("Content-Type", "application/json");
      headers.set("Accept", "application/json");
      body = JSON.stringify(init.json);
    }
    const res = await fetch(new URL(path, this.origin), {
      method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq < 1) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get hasCookies() {
    return this.cookies.size > 0;
  }
}

const rateLimited = (res: Response) =>
  res.status === 429 ? ` (rate limited: retry after ${res.headers.get("Retry-After") ?? "?"} s, or run from another address)` : "";

const fail = (detail: string): Result => ({ ok: false, detail });
const pass = (detail: string): Result => ({ ok: true, detail });

/** The page's visible message, for a failed form post: the first role="alert" text, else the status. */
async function why(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  const alert = /role="alert"[^>]*>([^<]{1,200})</.exec(text)?.[1];
  const json = /"message":"([^"]{1,200})"/.exec(text)?.[1];
  return `HTTP ${res.status}${rateLimited(res)}${alert ? `: ${alert}` : json ? `: ${json}` : ""}`;
}

async function runSmoke(opts: { url: string; clientIp?: string; timeoutMs?: number; log?: (line: string) => void }) {
  const origin = new URL(opts.url).origin;
  const https = origin.startsWith("https:");
  const log = opts.log ?? ((line: string) => console.log(line));
  const client = { clientIp: opts.clientIp, timeoutMs: opts.timeoutMs ?? 15_000 };
  const anonymous = new Client(origin, client);
  const email = `smoke+${randomBytes(6).toString("hex")}@example.com`;
  const password = `smoke-${randomBytes(12).toString("base64url")}`;
  const checks: Check[] = [];
  let orgPrice: { id: string; minSeats: number } | null = null;
  let page: Response | null = null;

  const check = async (name: string, run: () => Promise<Result>) => {
    let r: Result;
    try {
      r = await run();
    } catch (e) {
      r = fail(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
    checks.push({ name, ...r });
    log(`${r.ok ? "✓" : "✗"} ${name}: ${r.detail}`);
  };

  await check("public pricing", async () => {
    const res = await anonymous.fetch("/api/public/pricing");
    if (res.status !== 200) return fail(`GET /api/public/pricing: HTTP ${res.status}`);
    const body = (await res.json()) as { products?: { key: string; prices?: { id: string; minSeats?: number | null }[] }[] };
    const products = body.products ?? [];
    const prices = products.reduce((n, p) => n + (p.prices?.length ?? 0), 0);
    const org = products.find((p) => p.key === "organization")?.prices?.[0];
    if (org) orgPrice = { id: org.id, minSeats: org.minSeats ?? 1 };
    page = await anonymous.fetch("/pricing");
    if (page.status !== 200) return fail(`GET /pricing: HTTP ${page.status}`);
    if (prices === 0) return fail("no published prices");
    return pass(`${products.length} products, ${prices} prices; /pricing 200`);
  });

  const header = (name: string) => page?.headers.get(name) ?? null;
  await check("security header: Content-Security-Policy", async () => {
    const csp = header("Content-Security-Policy");
    return csp ? pass(csp.length > 60 ? `${csp.slice(0, 60)}...` : csp) : fail("missing on /pricing");
  });
  await check("security header: X-Content-Type-Options", async () =>
    header("X-Content-Type-Options")?.toLowerCase() === "nosniff"
      ? pass("nosniff")
      : fail(`expected nosniff, got ${header("X-Content-Type-Options")}`),
  );
  await check("security header: framing refused", async () => {
    const xfo = header("X-Frame-Options");
    const ancestors = /frame-ancestors\s+([^;]+)/.exec(header("Content-Security-Policy") ?? "")?.[1]?.trim();
    if (xfo && /^(deny|sameorigin)$/i.test(xfo)) return pass(`X-Frame-Options ${xfo}${ancestors ? `, frame-ancestors ${ancestors}` : ""}`);
    if (ancestors === "'none'" || ancestors === "'self'") return pass(`frame-ancestors ${ancestors}`);
    return fail("neither X-Frame-Options nor CSP frame-ancestors forbids framing");
  });
  await check("security header: Strict-Transport-Security", async () => {
    const hsts = header("Strict-Transport-Security");
    if (!page) return fail("skipped: /pricing was not served");
    if (!https) return pass(`not expected over http${hsts ? ` (sent anyway: ${hsts})` : ""}`);
    return hsts && /max-age=\d+/.test(hsts) ? pass(hsts) : fail("missing over https");
  });

  await check("cross-site form post refused", async () => {
    const res = await new Client(origin, client).fetch("/login", {
      form: { email, password },
      headers: { Origin: "https://smoke-attacker.invalid", "Sec-Fetch-Site": "cross-site" },
    });
    return res.status === 403 ? pass("403") : fail(`expected 403, got HTTP ${res.status}`);
  });

  const buyer = new Client(origin, client);
  let signedUp = false;
  await check("signup (the form)", async () => {
    const form = await buyer.fetch("/signup");
    if (form.status !== 200) return fail(`GET /signup: HTTP ${form.status}`);
    const res = await buyer.fetch("/signup", { form: { email, password } });
    if (res.status < 300 || res.status >= 400) return fail(`POST /signup: ${await why(res)}`);
    if (!buyer.hasCookies) return fail(`POST /signup answered ${res.status} without a session cookie`);
    const dash = await buyer.fetch("/dashboard");
    if (dash.status !== 200) return fail(`GET /dashboard after signup: HTTP ${dash.status}`);
    signedUp = true;
    return pass(`${email}, session started`);
  });

  const session = new Client(origin, client);
  let loggedIn = false;
  await check("login of the new, unverified user (the form)", async () => {
    if (!signedUp) return fail("skipped: signup failed");
    const res = await session.fetch("/login", { form: { email, password } });
    const to = res.headers.get("Location");
    if (res.status < 300 || res.status >= 400 || !session.hasCookies) return fail(`POST /login: ${await why(res)}`);
    const dash = await session.fetch("/dashboard");
    const html = dash.status === 200 ? await dash.text() : "";
    if (!html.includes(email)) return fail(`GET /dashboard: HTTP ${dash.status}${html ? " without the user's email" : ""}`);
    loggedIn = true;
    // Accepting invitations and admin rights wait for a verified address; logging in does not.
    return pass(`redirected to ${to}; dashboard ${html.includes("Verify your email address") ? "asks to verify the address" : "shown"}`);
  });

  await check("checkout session created", async () => {
    if (!loggedIn) return fail("skipped: login failed");
    if (!orgPrice) return fail("skipped: no Organization price in the public pricing");
    const res = await session.fetch("/api/billing/create-checkout-session", {
      json: { priceId: orgPrice.id, quantity: orgPrice.minSeats, organizationName: `Smoke ${randomBytes(3).toString("hex")}` },
    });
    if (res.status !== 200) return fail(`POST /api/billing/create-checkout-session: ${await why(res)}`);
    const body = (await res.json()) as { url?: string; intentId?: string };
    const url = body.url ? new URL(body.url) : null;
    if (!url || !/^https?:$/.test(url.protocol)) return fail(`no Checkout URL in ${JSON.stringify(body).slice(0, 120)}`);
    if (url.origin === origin) return fail(`Checkout URL is on the app itself: ${url.href}`);
    if (https && url.protocol !== "https:") return fail(`Checkout URL is not https: ${url.href}`);
    return pass(`${url.origin}${url.pathname.slice(0, 24)}... (intent ${body.intentId ?? "?"})`);
  });

  await check("gated page refuses an anonymous user (/accelerator)", async () => {
    const res = await anonymous.fetch("/accelerator");
    const to = res.headers.get("Location") ?? "";
    if ((res.status === 302 || res.status === 303) && to.includes("/login")) return pass(`${res.status} to ${to}`);
    return fail(`expected a redirect to /login, got HTTP ${res.status}${to ? ` to ${to}` : ""}`);
  });

  await check("gated JSON API refuses an anonymous user (/api/me)", async () => {
    const res = await anonymous.fetch("/api/me", { headers: { Accept: "application/json" } });
    return res.status === 401 ? pass("401") : fail(`expected 401, got HTTP ${res.status}`);
  });

  await check("Stripe webhook refuses an unsigned event", async () => {
    const res = await anonymous.fetch("/api/stripe/webhook", {
      json: { id: "evt_smoke_unsigned", object: "event", type: "checkout.session.completed", data: { object: {} } },
    });
    return res.status === 400 ? pass("400") : fail(`expected 400, got HTTP ${res.status}`);
  });

  await check("logout ends the session", async () => {
    if (!loggedIn) return fail("skipped: login failed");
    const res = await session.fetch("/logout", { form: {} });
    if (res.status >= 400) return fail(`POST /logout: HTTP ${res.status}`);
    const me = await session.fetch("/api/me", { headers: { Accept: "application/json" } });
    return me.status === 401 ? pass("signed out") : fail(`/api/me after logout: HTTP ${me.status}`);
  });

  const failed = checks.filter((c) => !c.ok);
  log(`${failed.length === 0 ? "✓" : "✗"} ${checks.length - failed.length} of ${checks.length} checks passed against ${origin}`);
  return { checks, failed: failed.length };
}

async function main() {
  const { values } = parseArgs({
    options: { url: { type: "string" }, "client-ip": { type: "string" }, "timeout-ms": { type: "string" } },
    allowPositionals: false,
  });
  const url = values.url ?? process.env.SMOKE_URL;
  if (!url || !URL.canParse(url)) {
    console.error(USAGE);
    process.exit(2);
  }
  const { failed } = await runSmoke({
    url,
    clientIp: values["client-ip"],
    timeoutMs: values["timeout-ms"] ? Number(values["timeout-ms"]) : undefined,
  });
  process.exit(failed === 0 ? 0 : 1);
}

await main();
