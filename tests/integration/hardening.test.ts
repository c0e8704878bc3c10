import { env } from "cloudflare:test";
import Stripe from "stripe";
import { expect, test } from "vitest";
import { CreatePriceInput } from "../../app/domain/catalog/products.server";
import { control, eventsFor, PRICE, startCheckout } from "../factories/billing";
import { agent, BASE, callWorker, form, json, signedInAgent, uniqueEmail } from "../factories/http";
import { activeSeats } from "../factories/seats";
import { provisionedTenant } from "../factories/provisioned";
import { addMember, systemAdmin } from "../factories/tenants";

// Security findings, one block each: every test here failed before its fix.

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>())!.n;

// ---- 1. open redirect -------------------------------------------------------------------------

for (const redirectTo of ["/..//evil.example", "/%2e%2e//evil.example", "/%2E%2E//evil.example/x", "/%5cevil.example"]) {
  test(`login with redirectTo ${JSON.stringify(redirectTo)} never answers a //host redirect`, async () => {
    const { user, password } = await signedInAgent();
    const page = await agent().fetch("/login", form({ email: user.email, password, redirectTo }));
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toBe("/dashboard");
    const api = await agent().fetch("/api/auth/login", json({ email: user.email, password, redirectTo }));
    expect(api.status).toBe(200);
    expect(((await api.json()) as { redirectTo: string }).redirectTo).toBe("/dashboard");
  });
}

// ---- 2. uploads are authorized before the body is read ----------------------------------------

/** A request body that counts how often it was pulled: nothing pulls it until someone reads. */
function countedBody(total = 512 * 1024, chunk = 1024) {
  let pulls = 0;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++;
        if (sent >= total) return controller.close();
        const n = Math.min(chunk, total - sent);
        sent += n;
        controller.enqueue(new Uint8Array(n).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls };
}

const uploadRequest = (path: string, cookie: string | null, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request(`${BASE}${path}`, {
    method: "POST",
    headers: {
      Origin: BASE,
      Host: new URL(BASE).host,
      "Content-Type": "multipart/form-data; boundary=gatehouse",
      ...(cookie ? { Cookie: cookie } : {}),
      ...headers,
    },
    body,
    duplex: "half",
  } as RequestInit);

test("an upload by someone without an organisation is refused before a byte of its body is read", async () => {
  const { agent: a } = await signedInAgent();
  const body = countedBody();
  const res = await callWorker(uploadRequest("/api/pro/uploads?tenant=no-such-org", a.cookie, body.stream));
  expect(body.pulls()).toBe(0);
  expect(res.status).toBe(404);
  // Without ?tenant= there is nothing to authorize against: 422, still unread.
  const bare = countedBody();
  const missing = await callWorker(uploadRequest("/api/pro/uploads", a.cookie, bare.stream));
  expect(bare.pulls()).toBe(0);
  expect(missing.status).toBe(422);
  expect(await missing.json()).toMatchObject({ fieldErrors: { tenant: [expect.stringContaining("?tenant=")] } });
});

test("a declared Content-Length over UPLOAD_MAX_BYTES is a 413 before the body is read", async () => {
  const { agent: a } = await signedInAgent();
  const body = countedBody();
  const res = await callWorker(
    uploadRequest("/api/pro/uploads?tenant=no-such-org", a.cookie, body.stream, { "Content-Length": String(50 * 1024 * 1024) }),
  );
  expect(body.pulls()).toBe(0);
  expect(res.status).toBe(413);
});

test("an owner whose plan has no Pro uploads is refused before the body is read, by the API and the page", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Unread Uploads" });
  const api = countedBody();
  const res = await callWorker(uploadRequest(`/api/pro/uploads?tenant=${org.tenant.slug}`, org.owner.agent.cookie, api.stream));
  expect(api.pulls()).toBe(0);
  expect(res.status).toBe(403);
  expect(((await res.json()) as { message: string }).message).toMatch(/Pro plan/);
  const page = countedBody();
  const res2 = await callWorker(uploadRequest(`/org/${org.tenant.slug}/software`, org.owner.agent.cookie, page.stream));
  expect(page.pulls()).toBe(0);
  expect(res2.status).toBe(403);
  expect(await res2.text()).toContain("Uploads are part of the Pro plan");
});

// ---- 3. strict integers for money and seats ---------------------------------------------------

test("checkout quantities are strict integers: bad ones are a 422 and create no purchase intent", async () => {
  const buyer = await signedInAgent();
  const intents = () => count("SELECT count(*) AS n FROM purchase_intents WHERE user_id = ?", buyer.user.id);
  for (const quantity of ["0x20", true, [5], "5.0", " 5", "1e1", "", null, 5.5]) {
    const res = await buyer.agent.fetch(
      "/api/billing/create-checkout-session",
      json({ priceId: PRICE.pro, quantity, organizationName: "Strict Ints" }),
    );
    expect(res.status, JSON.stringify(quantity)).toBe(422);
    expect(await res.json()).toMatchObject({
      error: "invalid_input",
      fieldErrors: { quantity: ["quantity must be a whole number from 1 to 10000."] },
    });
  }
  expect(await intents()).toBe(0);
  const ok = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: "5", organizationName: "Strict Ints" });
  expect(await count("SELECT quantity AS n FROM purchase_intents WHERE id = ?", ok.intentId)).toBe(5);
});

test("seat counts on the pricing form, admin grants and catalog prices are strict integers too", async () => {
  const page = await agent().fetch("/pricing", form({ product: "organization", interval: "month", seats: "1e1" }));
  expect(page.status).toBe(422);
  expect(await page.text()).toContain("Seats must be a whole number from 1 to 1000.");
  expect((await agent().fetch("/pricing", form({ product: "organization", interval: "month", seats: "10" }))).status).toBe(302);

  const admin = await systemAdmin();
  const grant = await admin.agent.fetch(
    "/api/admin/grants",
    json({ tenantId: "ten_none", productKey: "organization", seats: "0x20", reason: "strict integers" }),
  );
  expect(grant.status).toBe(422);
  expect(await grant.json()).toMatchObject({ fieldErrors: { seats: [expect.stringContaining("whole number")] } });

  const price = { productId: "prd_x", lookupKey: "x_price", currency: "eur", unitAmount: "100", minSeats: "", maxSeats: "5" };
  expect(CreatePriceInput.parse(price)).toMatchObject({ unitAmount: 100, minSeats: null, maxSeats: 5 });
  for (const bad of [{ unitAmount: "0x64" }, { unitAmount: "1e2" }, { maxSeats: "5.0" }, { minSeats: true }]) {
    expect(CreatePriceInput.safeParse({ ...price, ...bad }).success, JSON.stringify(bad)).toBe(false);
  }
});

// ---- 4. an admin cannot release an owner's seat ------------------------------------------------

test("an org admin cannot release an owner's seat (API or page); an owner can release an admin's", async () => {
  const org = await provisionedTenant({ seats: 3, name: "Owner Seats" });
  const admin = await addMember(org.tenant.id, { role: "admin", seat: true });
  const ownerId = org.owner.user.id;
  const api = await admin.agent.fetch(`/api/orgs/${org.tenant.slug}/seats/${ownerId}`, { method: "DELETE" });
  expect(api.status).toBe(403);
  expect(await api.json()).toMatchObject({ error: "owners_only", message: "Only an owner can release an owner's seat." });
  const page = await admin.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "release", userId: ownerId }));
  expect(page.status).toBe(403);
  expect(await activeSeats(org.tenant.id)).toContain(ownerId);
  expect(await count("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND action = 'seat.released'", org.tenant.id)).toBe(0);
  // The members page does not offer the admin a button that would be refused.
  expect(await (await admin.agent.fetch(`/org/${org.tenant.slug}/members`)).text()).not.toMatch(
    new RegExp(`value="${ownerId}"/><button[^>]*>Release seat`),
  );
  const byOwner = await org.owner.agent.fetch(`/api/orgs/${org.tenant.slug}/seats/${admin.user.id}`, { method: "DELETE" });
  expect(byOwner.status).toBe(200);
  expect(await activeSeats(org.tenant.id)).toEqual([ownerId]);
});

// ---- 5. names without control or bidi characters ----------------------------------------------

const MESSAGE = /must not contain control characters or text-direction \(bidi\) characters/;

test("organisation names at checkout and admin tenant creation refuse bidi and control characters", async () => {
  const buyer = await signedInAgent();
  for (const organizationName of ["Acme\u202Egnp.exe", "Acme\u2066Corp", "Acme\u200FCorp", "Acme\u061CCorp", "Acme\u0007Corp"]) {
    const res = await buyer.agent.fetch(
      "/api/billing/create-checkout-session",
      json({ priceId: PRICE.pro, quantity: 5, organizationName }),
    );
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ fieldErrors: { organizationName: [expect.stringMatching(MESSAGE)] } });
  }
  expect(await count("SELECT count(*) AS n FROM purchase_intents WHERE user_id = ?", buyer.user.id)).toBe(0);

  const admin = await systemAdmin();
  const before = await count("SELECT count(*) AS n FROM tenants");
  const res = await admin.agent.fetch(
    "/admin/tenants/new",
    form({ name: "Evil\u202Eorg", ownerEmail: buyer.user.email, reason: "bidi test" }),
  );
  expect(res.status).toBe(422);
  expect(await res.text()).toMatch(MESSAGE);
  expect(await count("SELECT count(*) AS n FROM tenants")).toBe(before);
});

test("application names and roadmap items refuse bidi and control characters", async () => {
  const admin = await systemAdmin();
  const app = await admin.agent.fetch("/admin/software", multipartForm({ intent: "add_application", name: "Tool\u2067x", vendor: "Acme" }));
  expect(app.status).toBe(422);
  expect(await app.text()).toMatch(MESSAGE);
  expect(await count("SELECT count(*) AS n FROM software_applications WHERE vendor = 'Acme' AND name LIKE 'Tool%x'")).toBe(0);

  const org = await provisionedTenant({ seats: 1, name: "Bidi Roadmap" });
  const roadmap = `/org/${org.tenant.slug}/roadmap`;
  for (const fields of [
    { title: "Ship\u202Dit", description: "" },
    { title: "Ship it", description: "line one\nline \u2069two" },
  ]) {
    const res = await org.owner.agent.fetch(roadmap, form({ intent: "add", column: "now", ...fields }));
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(MESSAGE);
  }
  expect(
    await count("SELECT count(*) AS n FROM roadmap_items i JOIN roadmaps r ON r.id = i.roadmap_id WHERE r.tenant_id = ?", org.tenant.id),
  ).toBe(0);
  // A description keeps its line breaks.
  expect(
    (await org.owner.agent.fetch(roadmap, form({ intent: "add", column: "now", title: "Ship it", description: "line one\nline two" })))
      .status,
  ).toBe(200);
});

function multipartForm(fields: Record<string, string>): RequestInit {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return { method: "POST", body };
}

// ---- 6. security headers and the CSP nonce ----------------------------------------------------

test("pages carry a nonce CSP and every inline and module script carries that nonce", async () => {
  const res = await agent().fetch("/pricing");
  expect(res.status).toBe(200);
  const csp = res.headers.get("Content-Security-Policy")!;
  const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]{22,})'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  for (const directive of ["default-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'"])
    expect(csp).toContain(directive);
  expect(csp).toMatch(
    new RegExp(`form-action 'self' https://checkout.stripe.com https://billing.stripe.com ${new URL(env.STRIPE_API_BASE).origin}(;|$)`),
  );
  expect(csp).not.toContain("unsafe-eval");
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  const html = await res.text();
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThanOrEqual(3);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  // A new nonce for every response.
  const again = (await agent().fetch("/pricing")).headers.get("Content-Security-Policy")!;
  expect(again).not.toContain(nonce!);
});

test("JSON and error responses carry the security headers; HSTS only when APP_URL is https", async () => {
  for (const res of [
    await agent().fetch("/api/public/pricing"),
    await agent().fetch("/api/me"),
    await agent().fetch("/api/stripe/webhook"),
  ]) {
    expect(res.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Permissions-Policy")).toContain("camera=(), microphone=(), geolocation=(), payment=()");
    expect(res.headers.get("Strict-Transport-Security")).toBeNull();
  }
  const https = await callWorker(new Request("https://gatehouse.example/api/public/pricing"), {
    ...env,
    APP_URL: "https://gatehouse.example",
  });
  expect(https.status).toBe(200);
  expect(https.headers.get("Strict-Transport-Security")).toBe("max-age=63072000; includeSubDomains");
});

// ---- 7. __Host- session cookie under an https APP_URL -----------------------------------------

test("under an https APP_URL the session cookie is __Host-gh_session and Secure, whatever the request's scheme", async () => {
  const httpsEnv = { ...env, APP_URL: "https://gatehouse.example" };
  const call = (path: string, init: RequestInit = {}) =>
    callWorker(
      new Request(`${BASE}${path}`, {
        ...init,
        headers: { Origin: BASE, Host: new URL(BASE).host, ...(init.headers as Record<string, string>) },
      }),
      httpsEnv,
    );
  const signup = await call("/api/auth/signup", json({ email: uniqueEmail("host"), password: "correct-horse-battery" }));
  expect(signup.status).toBe(200);
  const cookie = signup.headers.get("Set-Cookie")!;
  expect(cookie).toMatch(/^__Host-gh_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
  expect(cookie).not.toMatch(/Domain=/i);
  const pair = cookie.split(";")[0]!;
  expect((await call("/api/me", { headers: { Cookie: pair } })).status).toBe(200);
  // Logging out clears the same cookie, Secure.
  const out = await call("/logout", { method: "POST", headers: { Cookie: pair } });
  expect(out.headers.get("Set-Cookie")).toBe("__Host-gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
  expect((await call("/api/me", { headers: { Cookie: pair } })).status).toBe(401);
  const out2 = await call("/api/auth/logout", { method: "POST" });
  expect(out2.headers.get("Set-Cookie")).toBe("__Host-gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
});

test("under an http APP_URL the cookie stays gh_session without Secure, even on an https request", async () => {
  const res = await callWorker(
    new Request("https://gatehouse.example/api/auth/signup", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "https://gatehouse.example", Host: "gatehouse.example" },
      body: JSON.stringify({ email: uniqueEmail("plain"), password: "correct-horse-battery" }),
    }),
  );
  expect(res.status).toBe(200);
  const cookie = res.headers.get("Set-Cookie")!;
  expect(cookie).toMatch(/^gh_session=/);
  expect(cookie).not.toContain("Secure");
});

// ---- 8. webhooks from the future ---------------------------------------------------------------

test("a correctly signed webhook dated more than 300 s ahead is refused and records nothing", async () => {
  const buyer = await signedInAgent();
  const { customerId } = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 2, organizationName: "Future Hooks" });
  const event = (await eventsFor(customerId)).find((e) => e.type === "customer.created")!;
  const { payload } = await control.signEvent(event.id);
  const post = async (offsetSeconds: number) => {
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: env.STRIPE_WEBHOOK_SECRET,
      timestamp: Math.floor(Date.now() / 1000) + offsetSeconds,
      cryptoProvider: Stripe.createSubtleCryptoProvider(),
    });
    return callWorker(
      new Request(`${BASE}/api/stripe/webhook`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Stripe-Signature": header },
        body: payload,
      }),
    );
  };
  const recorded = () => count("SELECT count(*) AS n FROM processed_webhook_events WHERE event_id = ?", event.id);
  const future = await post(600);
  expect(future.status).toBe(400);
  expect(await future.json()).toMatchObject({ error: "invalid_signature" });
  expect(await recorded()).toBe(0);
  // Within the tolerance (a clock a little ahead) the same event is accepted.
  expect((await post(200)).status).toBe(200);
  expect(await recorded()).toBe(1);
});
