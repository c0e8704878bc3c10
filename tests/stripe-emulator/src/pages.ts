// Hosted pages: Checkout and the billing portal, as plain accessible HTML forms.
// They run inside the Durable Object, so a form POST is as serialized as an API call.
import { type ApiContext, expireIfDue } from "./api";
import { formatMoney } from "./billing";
import { chargeObj, customerObj, paymentIntentObj, type Obj } from "./objects";
import { randomId, text } from "./store";

const esc = (s: unknown): string =>
  text(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function page(title: string, body: string, status = 200): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ccc}
button{font-size:1rem;padding:.5rem 1rem;margin:.25rem .25rem .25rem 0;cursor:pointer}
.note{background:#fff4e5;border:1px solid #e0a030;padding:.5rem 1rem}
.error{background:#fdecea;border:1px solid #c0392b;padding:.5rem 1rem}
</style></head><body><main>
<p><small>Local Stripe emulator (test mode)</small></p>
${body}
</main></body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location } });
}

// ---------- checkout ----------

function checkoutBody(session: Obj, message = ""): string {
  const items = (session._line_items as Obj[]) ?? [];
  const currency = text(session.currency, "usd");
  const sd = session._subscription_data as { trial_period_days: number | null; trial_end: number | null } | null;
  const rows = items
    .map((li) => {
      const price = li.price as Obj;
      const rec = price.recurring as { interval: string; interval_count: number } | null;
      const per = rec ? ` / ${rec.interval_count > 1 ? `${rec.interval_count} ${rec.interval}s` : rec.interval}` : "";
      return `<tr><td>${esc(li.description)}</td><td>${esc(li.quantity)}</td><td>${esc(formatMoney(Number(price.unit_amount), currency))}${esc(per)}</td><td>${esc(formatMoney(Number(li.amount_total), currency))}</td></tr>`;
    })
    .join("");
  const subtotal = items.reduce((s, li) => s + Number(li.amount_total), 0);
  const trial = sd?.trial_period_days
    ? `<p id="trial"><strong>${esc(sd.trial_period_days)}-day free trial.</strong> Total due today: ${esc(formatMoney(0, currency))}. Then ${esc(formatMoney(subtotal, currency))} per period.</p>`
    : sd?.trial_end
      ? `<p id="trial"><strong>Free trial until ${esc(new Date(sd.trial_end * 1000).toISOString().slice(0, 10))}.</strong></p>`
      : "";
  return `<h1>Checkout</h1>
${message}
<p>Mode: ${esc(session.mode)}${session.customer_email ? ` · Email: ${esc(session.customer_email)}` : ""}</p>
<table aria-label="Order summary"><thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Amount</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th scope="row" colspan="3">${sd?.trial_period_days || sd?.trial_end ? "Total due today" : "Total"}</th><td id="total">${esc(formatMoney(sd?.trial_period_days || sd?.trial_end ? 0 : subtotal, currency))}</td></tr></tfoot></table>
${trial}
<form method="post">
${embedded(session) ? `<input type="hidden" name="client_secret" value="${esc(session.client_secret)}">` : ""}
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="decline">Pay with a declined card</button>
${embedded(session) ? "" : `<button type="submit" name="action" value="cancel">Cancel</button>`}
</form>`;
}

const embedded = (s: Obj): boolean => s.ui_mode === "embedded_page";

/**
 * The session a page request names. An embedded session has no url: only Stripe.js, holding its
 * client secret, opens it (the stand-in's iframe passes the secret along); anyone else finds nothing.
 */
function sessionFor(ctx: ApiContext, id: string, clientSecret: string | null): Obj | null {
  const s = ctx.billing.store.get(id);
  if (!s || s.object !== "checkout.session") return null;
  if (embedded(s) && clientSecret !== s.client_secret) return null;
  return s;
}

/**
 * Where a finished session sends the buyer. Hosted: a redirect to success_url. Embedded: the page in
 * the iframe tells Stripe.js in the parent window, which sends the whole window to return_url (as
 * Stripe does with redirect_on_completion=always); the link is the fallback without JavaScript.
 */
function finished(s: Obj): Response {
  if (!embedded(s)) return redirect(String(s.success_url).replace("{CHECKOUT_SESSION_ID}", s.id));
  const returnUrl = String(s.return_url).replace("{CHECKOUT_SESSION_ID}", s.id);
  const message = JSON.stringify({ type: EMBEDDED_COMPLETE, session: s.id, return_url: returnUrl }).replace(/</g, "\\u003c");
  return page(
    "Payment complete",
    `<h1>Payment complete</h1>
<p><a href="${esc(returnUrl)}" target="_top">Continue</a></p>
<script>parent.postMessage(${message}, "*");</script>`,
  );
}

/** The message the embedded page posts to the stand-in Stripe.js (stripe-js.ts) when the session completes. */
export const EMBEDDED_COMPLETE = "stripe-emulator:embedded-checkout-complete";

export function renderCheckout(ctx: ApiContext, id: string, clientSecret: string | null = null): Response {
  const s = sessionFor(ctx, id, clientSecret);
  if (!s) return page("Checkout not found", "<h1>Checkout session not found</h1>", 404);
  expireIfDue(ctx, s);
  if (s.status === "expired") return page("Checkout expired", "<h1>This checkout session has expired</h1>", 410);
  if (s.status === "complete") return page("Checkout complete", "<h1>This checkout session is already complete</h1>", 200);
  return page("Checkout", checkoutBody(s));
}

export function submitCheckout(ctx: ApiContext, id: string, action: string, clientSecret: string | null = null): Response {
  const b = ctx.billing;
  const s = sessionFor(ctx, id, clientSecret);
  if (!s) return page("Checkout not found", "<h1>Checkout session not found</h1>", 404);
  expireIfDue(ctx, s);
  if (s.status === "expired") return page("Checkout expired", "<h1>This checkout session has expired</h1>", 410);
  if (s.status === "complete") return page("Checkout complete", "<h1>This checkout session is already complete</h1>", 409);
  // An embedded session has no cancel: the buyer simply leaves the page it sits in.
  if (action === "cancel" && !embedded(s)) return redirect(String(s.cancel_url ?? s.success_url));
  if (action === "pay_async") return payAsync(ctx, s);
  if (action !== "pay" && action !== "decline")
    return page("Checkout", checkoutBody(s, `<p class="error" role="alert">Unknown action.</p>`), 400);

  const sd = s._subscription_data as {
    trial_period_days: number | null;
    trial_end: number | null;
    metadata: Record<string, string>;
    missing_payment_method: string | null;
    description: string | null;
  } | null;
  const pid = s._payment_intent_data as {
    setup_future_usage: string | null;
    metadata: Record<string, string>;
    description: string | null;
  } | null;
  const trial = Boolean(sd?.trial_period_days || sd?.trial_end);
  const items = (s._line_items as Obj[]) ?? [];
  const amount = items.reduce((sum, li) => sum + Number(li.amount_total), 0);
  const existing = typeof s.customer === "string" ? b.store.get(s.customer) : null;
  const declining = action === "decline" || (existing !== null && b.isDeclining(existing.id));

  if (declining && !(trial && action === "pay")) {
    // A declined card never creates the customer or subscription; the session stays open.
    const at = b.nowFor(existing?.id ?? null);
    b.charge({
      customer: existing?.id ?? null,
      amount: trial ? 0 : amount,
      currency: String(s.currency),
      paymentMethod: null,
      description: null,
      metadata: pid?.metadata ?? {},
      now: at,
      forceDecline: true,
    });
    return page("Payment declined", checkoutBody(s, `<p class="error" role="alert">Your card was declined. Try another card.</p>`), 402);
  }

  let customer = existing;
  const email = text(existing?.email ?? s.customer_email, "customer@example.com");
  if (!customer) {
    customer = customerObj({ id: randomId("cus_", 14), created: b.nowFor(null), email, name: "Test Customer" });
    b.store.put(customer);
    b.emit("customer.created", customer);
  }
  const at = b.nowFor(customer.id);
  const pm = b.createPaymentMethod(customer.id, email, at);
  b.emit("payment_method.attached", pm, { created: at });
  if (s.mode === "subscription") {
    const sub = b.createSubscription({
      customer,
      items: items.map((li) => ({ price: b.priceOf(String((li.price as Obj).id), "price"), quantity: Number(li.quantity) })),
      trialPeriodDays: sd?.trial_period_days ?? undefined,
      trialEnd: sd?.trial_end ?? undefined,
      missingPaymentMethod: sd?.missing_payment_method ?? undefined,
      defaultPaymentMethod: pm.id,
      metadata: sd?.metadata ?? {},
      description: sd?.description ?? null,
    });
    Object.assign(s, {
      subscription: sub.id,
      invoice: sub.latest_invoice,
      payment_status: trial ? "no_payment_required" : "paid",
    });
  } else {
    const { pi } = b.charge({
      customer: customer.id,
      amount,
      currency: String(s.currency),
      paymentMethod: pm.id,
      description: pid?.description ?? null,
      metadata: pid?.metadata ?? {},
      setupFutureUsage: pid?.setup_future_usage ?? null,
      now: at,
    });
    if (!pid?.setup_future_usage) {
      // Without setup_future_usage Checkout does not keep the card on the customer.
      pm.customer = null;
      b.store.put(pm);
    }
    Object.assign(s, { payment_intent: pi.id, payment_status: "paid" });
  }
  Object.assign(s, {
    status: "complete",
    customer: customer.id,
    url: null,
    customer_details: {
      address: { city: null, country: "US", line1: null, line2: null, postal_code: "94103", state: null },
      email,
      name: customer.name ?? null,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
      business_name: null,
      individual_name: null,
    },
  });
  b.store.put(s);
  b.emit("checkout.session.completed", s, { created: at, customer: customer.id });
  return finished(s);
}

// ---------- delayed (async) payments ----------

/**
 * Emulator-only `action=pay_async` (payment mode): the session completes unpaid with a
 * processing payment intent, as with a bank debit; resolveAsyncPayment settles it later.
 */
function payAsync(ctx: ApiContext, s: Obj): Response {
  const b = ctx.billing;
  if (s.mode !== "payment")
    return page("Checkout", checkoutBody(s, `<p class="error" role="alert">Delayed payments are only emulated in payment mode.</p>`), 400);
  const pid = s._payment_intent_data as {
    setup_future_usage: string | null;
    metadata: Record<string, string>;
    description: string | null;
  } | null;
  let customer = typeof s.customer === "string" ? b.store.get(s.customer) : null;
  const email = text(customer?.email ?? s.customer_email, "customer@example.com");
  if (!customer) {
    customer = customerObj({ id: randomId("cus_", 14), created: b.nowFor(null), email, name: "Test Customer" });
    b.store.put(customer);
    b.emit("customer.created", customer);
  }
  const at = b.nowFor(customer.id);
  const pm = b.createPaymentMethod(customer.id, email, at);
  if (pid?.setup_future_usage) {
    // As in Stripe: with setup_future_usage the method is attached once the intent is confirmed,
    // which for a delayed method is now (processing), not when the money arrives.
    b.emit("payment_method.attached", pm, { created: at });
  } else {
    pm.customer = null;
    b.store.put(pm);
  }
  const amount = ((s._line_items as Obj[]) ?? []).reduce((sum, li) => sum + Number(li.amount_total), 0);
  const pi = paymentIntentObj({
    id: randomId("pi_"),
    created: at,
    amount,
    currency: s.currency,
    customer: customer.id,
    description: pid?.description ?? null,
    metadata: pid?.metadata ?? {},
    payment_method: pm.id,
    setup_future_usage: pid?.setup_future_usage ?? null,
    status: "processing",
    processing: { type: "card" },
  });
  b.store.put(pi);
  b.emit("payment_intent.created", { ...pi, status: "requires_payment_method", processing: null }, { created: at });
  b.emit("payment_intent.processing", pi, { created: at });
  Object.assign(s, {
    status: "complete",
    payment_status: "unpaid",
    payment_intent: pi.id,
    customer: customer.id,
    url: null,
    customer_details: {
      address: null,
      email,
      name: customer.name ?? null,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
      business_name: null,
      individual_name: null,
    },
  });
  b.store.put(s);
  b.emit("checkout.session.completed", s, { created: at, customer: customer.id });
  return finished(s);
}

/** Settles a pay_async session: async_payment_succeeded or async_payment_failed. */
export function resolveAsyncPayment(ctx: ApiContext, sessionId: string, succeed: boolean): Obj | string {
  const b = ctx.billing;
  const s = b.store.get(sessionId);
  if (!s || s.object !== "checkout.session") return `No such checkout session: ${sessionId}`;
  const pi = typeof s.payment_intent === "string" ? b.store.get(s.payment_intent) : null;
  if (s.status !== "complete" || s.payment_status !== "unpaid" || !pi || pi.status !== "processing")
    return "This session has no delayed payment waiting (complete it with action=pay_async first).";
  const customer = String(s.customer);
  const at = b.nowFor(customer);
  const ch = chargeObj({
    id: randomId("ch_"),
    created: at,
    amount: Number(pi.amount),
    currency: pi.currency,
    customer,
    payment_intent: pi.id,
    payment_method: pi.payment_method,
    last4: succeed ? "4242" : "0002",
    metadata: pi.metadata,
  });
  pi.latest_charge = ch.id;
  pi.processing = null;
  if (succeed) {
    Object.assign(pi, { status: "succeeded", amount_received: pi.amount });
    b.store.put(ch);
    b.store.put(pi);
    s.payment_status = "paid";
    b.store.put(s);
    b.emit("charge.succeeded", ch, { created: at });
    b.emit("payment_intent.succeeded", pi, { created: at });
    b.emit("checkout.session.async_payment_succeeded", s, { created: at, customer });
  } else {
    Object.assign(ch, {
      status: "failed",
      paid: false,
      captured: false,
      amount_captured: 0,
      failure_code: "card_declined",
      failure_message: "Your card was declined.",
    });
    Object.assign(pi, {
      status: "requires_payment_method",
      payment_method: null,
      last_payment_error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "generic_decline",
        message: "Your card was declined.",
        charge: ch.id,
      },
    });
    b.store.put(ch);
    b.store.put(pi);
    b.emit("charge.failed", ch, { created: at });
    b.emit("payment_intent.payment_failed", pi, { created: at });
    b.emit("checkout.session.async_payment_failed", s, { created: at, customer });
  }
  return s;
}

// ---------- billing portal ----------

export function renderPortal(ctx: ApiContext, id: string, message = "", status = 200): Response {
  const b = ctx.billing;
  const ps = b.store.get(id);
  if (!ps || ps.object !== "billing_portal.session") return page("Portal not found", "<h1>Billing portal session not found</h1>", 404);
  const customer = b.store.get(String(ps.customer));
  const subs = b.store.all("subscription").filter((s) => s.customer === ps.customer);
  const subsHtml = subs.length
    ? subs
        .map((sub) => {
          const items = (sub.items as { data: Obj[] }).data;
          const live = !["canceled", "incomplete_expired"].includes(String(sub.status));
          const itemForms = items
            .map((it) => {
              const inputId = `qty-${esc(it.id)}`;
              return `<li>${esc(b.productName(it.price as Obj))}: quantity <strong>${esc(it.quantity)}</strong>
${
  live
    ? `<form method="post"><input type="hidden" name="action" value="update_quantity"><input type="hidden" name="subscription" value="${esc(sub.id)}"><input type="hidden" name="item" value="${esc(it.id)}">
<label for="${inputId}">New quantity</label> <input id="${inputId}" name="quantity" type="number" min="1" value="${esc(it.quantity)}" required>
<button type="submit">Update quantity</button></form>${
        // Stripe's portal removes a product from a subscription that keeps at least one other.
        items.length > 1
          ? `<form method="post"><input type="hidden" name="action" value="remove_item"><input type="hidden" name="subscription" value="${esc(sub.id)}"><input type="hidden" name="item" value="${esc(it.id)}">
<button type="submit">Remove ${esc(b.productName(it.price as Obj))}</button></form>`
          : ""
      }`
    : ""
}</li>`;
            })
            .join("");
          const end = new Date(b.period(sub).end * 1000).toISOString().slice(0, 10);
          return `<section aria-labelledby="h-${esc(sub.id)}"><h2 id="h-${esc(sub.id)}">Subscription ${esc(sub.id)}</h2>
<p>Status: <strong>${esc(sub.status)}</strong>${sub.cancel_at_period_end ? ` · cancels on ${esc(end)}` : live ? ` · renews on ${esc(end)}` : ""}</p>
<ul>${itemForms}</ul>
${
  live
    ? `<form method="post"><input type="hidden" name="subscription" value="${esc(sub.id)}">
<button type="submit" name="action" value="cancel_now">Cancel now</button>
${sub.cancel_at_period_end ? `<button type="submit" name="action" value="renew">Don't cancel</button>` : `<button type="submit" name="action" value="cancel_at_period_end">Cancel at period end</button>`}
</form>`
    : ""
}</section>`;
        })
        .join("")
    : "<p>No subscriptions.</p>";
  const back = ps.return_url ? `<p><a href="${esc(ps.return_url)}">Return</a></p>` : "";
  const defaultPm = (customer?.invoice_settings as { default_payment_method?: string | null } | undefined)?.default_payment_method ?? null;
  const cards = b.store
    .all("payment_method")
    .filter((pm) => pm.customer === ps.customer)
    .map(
      (pm) => `<li>Card ending ${esc((pm.card as { last4?: string } | null)?.last4 ?? "")}${pm.id === defaultPm ? " (default)" : ""}</li>`,
    )
    .join("");
  // Stripe's portal collects the card with a SetupIntent and makes it the customer's default.
  const methods = `<section aria-labelledby="h-payment-methods"><h2 id="h-payment-methods">Payment methods</h2>
${cards ? `<ul>${cards}</ul>` : "<p>No payment method on file.</p>"}
<form method="post"><button type="submit" name="action" value="add_payment_method">Add payment method</button></form></section>`;
  return page(
    "Billing portal",
    `<h1>Billing portal</h1>${message}<p>Customer: ${esc(customer?.email ?? ps.customer)}</p>${methods}${subsHtml}${back}`,
    status,
  );
}

export function submitPortal(ctx: ApiContext, id: string, form: URLSearchParams): Response {
  const b = ctx.billing;
  const ps = b.store.get(id);
  if (!ps || ps.object !== "billing_portal.session") return page("Portal not found", "<h1>Billing portal session not found</h1>", 404);
  if (form.get("action") === "add_payment_method") {
    b.addPortalPaymentMethod(String(ps.customer));
    return redirect(`/p/session/${ps.id}`);
  }
  const sub = b.store.get(form.get("subscription") ?? "");
  if (!sub || sub.object !== "subscription" || sub.customer !== ps.customer)
    return renderPortal(ctx, id, `<p class="error" role="alert">Unknown subscription.</p>`, 400);
  if (["canceled", "incomplete_expired"].includes(String(sub.status)))
    return renderPortal(ctx, id, `<p class="error" role="alert">This subscription is canceled.</p>`, 400);
  const action = form.get("action");
  if (action === "update_quantity") {
    const qty = Number(form.get("quantity"));
    const itemId = form.get("item") ?? "";
    if (!Number.isInteger(qty) || qty < 1 || qty > 999999)
      return renderPortal(ctx, id, `<p class="error" role="alert">Quantity must be a whole number of at least 1.</p>`, 400);
    if (!(sub.items as { data: Obj[] }).data.some((it) => it.id === itemId))
      return renderPortal(ctx, id, `<p class="error" role="alert">Unknown subscription item.</p>`, 400);
    b.updateSubscription(sub, { items: [{ id: itemId, quantity: qty }], prorationBehavior: "create_prorations" });
  } else if (action === "remove_item") {
    const itemId = form.get("item") ?? "";
    const items = (sub.items as { data: Obj[] }).data;
    if (!items.some((it) => it.id === itemId))
      return renderPortal(ctx, id, `<p class="error" role="alert">Unknown subscription item.</p>`, 400);
    if (items.length < 2)
      return renderPortal(ctx, id, `<p class="error" role="alert">A subscription must keep at least one product.</p>`, 400);
    // The unused time is credited on the next invoice, as the portal's default proration does.
    b.updateSubscription(sub, { items: [{ id: itemId, deleted: true }], prorationBehavior: "create_prorations" });
  } else if (action === "cancel_now") {
    b.cancelSubscription(sub, b.nowFor(String(sub.customer)));
  } else if (action === "cancel_at_period_end") {
    b.updateSubscription(sub, { cancelAtPeriodEnd: true });
  } else if (action === "renew") {
    b.updateSubscription(sub, { cancelAtPeriodEnd: false });
  } else {
    return renderPortal(ctx, id, `<p class="error" role="alert">Unknown action.</p>`, 400);
  }
  return redirect(`/p/session/${ps.id}`);
}
