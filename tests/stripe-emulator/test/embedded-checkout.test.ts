// Embedded Checkout (ui_mode=embedded_page): session creation, its errors, the iframe page and the
// Stripe.js stand-in that mounts it.
import type Stripe from "stripe";
import { beforeAll, expect, test } from "vitest";
import { control, emulatorUrl, eventTypesFor, makePrice, stripeClient } from "./helpers";

const stripe = stripeClient();
let monthly: Stripe.Price;
const RETURN_URL = "http://127.0.0.1:8787/checkout/return?intent=int_1&session_id={CHECKOUT_SESSION_ID}";

beforeAll(async () => {
  await control().reset();
  await control().config({ webhookUrl: null });
  monthly = await makePrice(stripe, { unit_amount: 1500, name: "Gatehouse Team" });
});

function embeddedSession(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return stripe.checkout.sessions.create({
    mode: "subscription",
    ui_mode: "embedded_page",
    line_items: [{ price: monthly.id, quantity: 2 }],
    return_url: RETURN_URL,
    ...extra,
  });
}

const payForm = (s: Stripe.Checkout.Session, secret: string | null, action = "pay") =>
  fetch(`${emulatorUrl()}/c/pay/${s.id}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ action, ...(secret === null ? {} : { client_secret: secret }) }),
    redirect: "manual",
  });

test("an embedded_page session has a client secret and a return_url, and no url", async () => {
  const s = await embeddedSession();
  expect(s).toMatchObject({
    ui_mode: "embedded_page",
    url: null,
    success_url: null,
    cancel_url: null,
    return_url: RETURN_URL,
    redirect_on_completion: "always",
    status: "open",
  });
  expect(s.client_secret).toMatch(new RegExp(`^${s.id}_secret_[A-Za-z0-9]+$`));
  expect((await stripe.checkout.sessions.retrieve(s.id)).client_secret).toBe(s.client_secret);
  // A hosted session (the default) keeps its url and has no client secret.
  const hosted = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: monthly.id, quantity: 1 }],
    success_url: "http://127.0.0.1:8787/ok",
  });
  expect(hosted).toMatchObject({ ui_mode: "hosted_page", client_secret: null });
  expect(hosted.url).toMatch(/\/c\/pay\/cs_test_/);
});

test("embedded_page refuses success_url and cancel_url and needs return_url; hosted_page refuses return_url", async () => {
  await expect(embeddedSession({ success_url: "http://x.test/ok", cancel_url: "http://x.test/no" })).rejects.toMatchObject({
    statusCode: 400,
    type: "StripeInvalidRequestError",
    param: "cancel_url",
    message: "The following parameters are not supported with 'ui_mode: embedded_page': cancel_url, success_url.",
  });
  await expect(embeddedSession({ success_url: "http://x.test/ok" })).rejects.toMatchObject({
    param: "success_url",
    message: "The following parameters are not supported with 'ui_mode: embedded_page': success_url.",
  });
  await expect(embeddedSession({ return_url: undefined })).rejects.toMatchObject({
    statusCode: 400,
    code: "parameter_missing",
    param: "return_url",
    message: "Missing required param: return_url.",
  });
  await expect(
    stripe.checkout.sessions.create({
      mode: "subscription",
      ui_mode: "hosted_page",
      line_items: [{ price: monthly.id, quantity: 1 }],
      success_url: "http://x.test/ok",
      return_url: "http://x.test/back",
    }),
  ).rejects.toMatchObject({
    param: "return_url",
    message: "The following parameters are not supported with 'ui_mode: hosted_page': return_url.",
  });
  // The values of API versions before 2026-10-28 are not this version's.
  await expect(embeddedSession({ ui_mode: "embedded" as Stripe.Checkout.SessionCreateParams.UiMode })).rejects.toMatchObject({
    statusCode: 400,
    param: "ui_mode",
  });
});

test("the page opens only with the client secret, and paying it tells the parent window to go to return_url", async () => {
  const s = await embeddedSession();
  const secret = s.client_secret as string;
  expect((await fetch(`${emulatorUrl()}/c/pay/${s.id}`)).status).toBe(404);
  expect((await payForm(s, null)).status).toBe(404);
  const page = await fetch(`${emulatorUrl()}/c/pay/${s.id}?client_secret=${encodeURIComponent(secret)}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(">Pay</button>");
  // Embedded Checkout has no cancel button: the buyer leaves the page it sits in.
  expect(html).not.toContain(">Cancel</button>");
  expect((await payForm(s, secret, "cancel")).status).toBe(400);

  const paid = await payForm(s, secret);
  expect(paid.status).toBe(200);
  const done = await paid.text();
  const returnUrl = RETURN_URL.replace("{CHECKOUT_SESSION_ID}", s.id);
  expect(done).toContain(`"return_url":"${returnUrl}"`);
  expect(done).toContain("parent.postMessage(");
  expect(done).toContain(`target="_top"`);
  const complete = await stripe.checkout.sessions.retrieve(s.id);
  expect(complete).toMatchObject({ status: "complete", payment_status: "paid" });
  expect(await eventTypesFor(stripe, complete.customer as string)).toContain("checkout.session.completed");
});

test("the Stripe.js stand-in defines window.Stripe with embedded Checkout for this origin", async () => {
  const res = await fetch(`${emulatorUrl()}/js/v3`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
  const js = await res.text();
  expect(js).toContain(`var ORIGIN = ${JSON.stringify(emulatorUrl())};`);
  for (const name of ["createEmbeddedCheckoutPage", "initEmbeddedCheckout", "window.Stripe = Stripe"]) expect(js).toContain(name);
});
