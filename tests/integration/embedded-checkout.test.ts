// Embedded Checkout: the API's uiMode, the session it opens in Stripe, and that paying in the embedded
// page provisions exactly as hosted Checkout does (only once the verified webhook arrives).
import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { deliverAll, eventsFor, intentRow, PRICE, STRIPE_URL, stripe, tenantState } from "../factories/billing";
import { form, json, signedInAgent } from "../factories/http";

const RETURN = (intentId: string) => `${env.APP_URL}/checkout/return?intent=${intentId}&session_id={CHECKOUT_SESSION_ID}`;

test("uiMode embedded answers a client secret for an embedded_page session that returns to the return page", async () => {
  const { agent: a } = await signedInAgent();
  const res = await a.fetch(
    "/api/billing/create-checkout-session",
    json({ priceId: PRICE.pro, quantity: 3, organizationName: "Inline Co", uiMode: "embedded" }),
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { clientSecret: string; intentId: string };
  expect(Object.keys(body).sort()).toEqual(["clientSecret", "intentId"]);
  const intent = (await intentRow(body.intentId))!;
  expect(intent.state).toBe("checkout_open");
  const sessionId = intent.stripe_checkout_session_id as string;
  expect(body.clientSecret.startsWith(`${sessionId}_secret_`)).toBe(true);

  const session = await stripe().checkout.sessions.retrieve(sessionId);
  expect(session).toMatchObject({
    ui_mode: "embedded_page",
    url: null,
    success_url: null,
    cancel_url: null,
    return_url: RETURN(body.intentId),
    client_secret: body.clientSecret,
    client_reference_id: body.intentId,
  });

  // Pay first: nothing but the intent exists until the verified webhook.
  expect(await env.DB.prepare("SELECT count(*) AS n FROM tenants WHERE name = 'Inline Co'").first("n")).toBe(0);
  const paid = await fetch(`${STRIPE_URL}/c/pay/${sessionId}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ action: "pay", client_secret: body.clientSecret }),
  });
  expect(paid.status).toBe(200);
  expect(await paid.text()).toContain(RETURN(body.intentId).replace("{CHECKOUT_SESSION_ID}", sessionId));
  expect((await intentRow(body.intentId))!.state).toBe("checkout_open");

  const statuses = await deliverAll((await eventsFor(intent.stripe_customer_id as string)).map((e) => e.id));
  expect(statuses.every((s) => s === 200)).toBe(true);
  const done = (await intentRow(body.intentId))!;
  expect(done.state).toBe("provisioned");
  const state = await tenantState(done.provisioned_tenant_id as string);
  expect(state.tenant).toMatchObject([{ name: "Inline Co" }]);
  expect(state.entitlements).toMatchObject([{ status: "active", quantity_seats: 3, source: "stripe_subscription" }]);
  const page = await a.fetch(`/checkout/return?intent=${body.intentId}&session_id=${sessionId}`);
  expect(await page.text()).toContain("Payment confirmed");
  // Embedded sessions are paid in the page: the emulator's hosted url does not exist for them.
  expect((await fetch(`${STRIPE_URL}/c/pay/${sessionId}`)).status).toBe(404);
});

test("an unknown uiMode is a 422 naming the field, and opens nothing", async () => {
  const { agent: a, user } = await signedInAgent();
  for (const uiMode of ["popup", "embedded_page", 1]) {
    const res = await a.fetch(
      "/api/billing/create-checkout-session",
      json({ priceId: PRICE.pro, quantity: 3, organizationName: "Wrong Mode Co", uiMode }),
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; fieldErrors: Record<string, string[]> };
    expect(body.fieldErrors).toEqual({ uiMode: ['uiMode must be "hosted" or "embedded".'] });
  }
  expect(await env.DB.prepare("SELECT count(*) AS n FROM purchase_intents WHERE user_id = ?").bind(user.id).first("n")).toBe(0);
});

test("hosted stays the default: { url, intentId } and a hosted_page session with success and cancel urls", async () => {
  const { agent: a } = await signedInAgent();
  for (const extra of [{}, { uiMode: "hosted" }]) {
    const res = await a.fetch(
      "/api/billing/create-checkout-session",
      json({ priceId: PRICE.accelerator, organizationName: "Hosted Co", ...extra }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; intentId: string };
    expect(Object.keys(body).sort()).toEqual(["intentId", "url"]);
    const sessionId = (await intentRow(body.intentId))!.stripe_checkout_session_id as string;
    expect(body.url).toBe(`${STRIPE_URL}/c/pay/${sessionId}`);
    const session = await stripe().checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      ui_mode: "hosted_page",
      client_secret: null,
      success_url: RETURN(body.intentId),
      cancel_url: `${env.APP_URL}/checkout/cancel?intent=${body.intentId}`,
    });
  }
});

test("/checkout/start offers paying on the page, and its CSP lets the Stripe.js stand-in load and frame", async () => {
  const { agent: a } = await signedInAgent();
  const res = await a.fetch("/checkout/start?plan=organization&interval=month&seats=5");
  expect(res.status).toBe(200);
  const html = await res.text();
  // Without JavaScript only Stripe's page can be chosen, and it is chosen.
  expect(html).toContain('<input type="radio" name="uiMode" checked="" value="hosted"/>');
  expect(html).toContain('<input type="radio" name="uiMode" disabled="" value="embedded"/>');
  const origin = new URL(env.STRIPE_JS_URL).origin;
  const csp = res.headers.get("Content-Security-Policy")!;
  expect(csp).toMatch(new RegExp(`script-src 'self' 'nonce-[^']+' ${origin}(;|$)`));
  expect(csp).toMatch(new RegExp(`frame-src 'self' ${origin}(;|$)`));
});

test("without JavaScript the page's form still pays on Stripe: the hosted choice is a 303 to Checkout", async () => {
  const { agent: a } = await signedInAgent();
  const res = await a.fetch(
    "/checkout/start?plan=organization&interval=month&seats=2",
    form({ priceId: PRICE.pro, quantity: "2", organizationName: "No Script Co", uiMode: "hosted" }),
  );
  expect(res.status).toBe(303);
  expect(res.headers.get("Location")).toMatch(new RegExp(`^${STRIPE_URL}/c/pay/cs_test_`));
});
