// The stateful core: customers, payments, subscriptions, invoices, clocks and the
// events each state change emits, in the order Stripe emits them.
import { StripeError, badRequest, resourceMissing } from "./errors";
import {
  cancellationDetails,
  chargeObj,
  diff,
  eventObj,
  invoiceLineObj,
  invoiceObj,
  invoiceItemObj,
  invoicePaymentObj,
  listObj,
  paymentIntentObj,
  paymentMethodObj,
  publicView,
  setupIntentObj,
  subscriptionItemObj,
  subscriptionObj,
  trialSettings,
  type Obj,
} from "./objects";
import { randomId, text, type DeliveryStatus, type Store } from "./store";
import { addInterval, realNow, type Interval } from "./time";

export interface RequestInfo {
  requestId: string | null;
  idempotencyKey: string | null;
}

export type DeliveryMode = "deliver" | "hold" | "drop";

/** How long Stripe leaves a new period's invoice a draft before finalizing and collecting it. */
export const DRAFT_SECONDS = 3600;

const KIND_BY_PREFIX: Record<string, string> = {
  cus_: "customer",
  prod_: "product",
  price_: "price",
  cs_: "checkout.session",
  sub_: "subscription",
  si_: "subscription item",
  in_: "invoice",
  pi_: "payment_intent",
  pm_: "PaymentMethod",
  ch_: "charge",
  re_: "refund",
  clock_: "test clock",
  bps_: "billing portal session",
  seti_: "SetupIntent",
  evt_: "event",
};

export interface ItemInput {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

interface Period {
  start: number;
  end: number;
}

export class Billing {
  /** Set by the API layer per request so events can carry request.id. */
  request: RequestInfo = { requestId: null, idempotencyKey: null };
  emitted = 0;

  constructor(
    readonly store: Store,
    private readonly mode: () => DeliveryMode,
  ) {}

  // ---------- generic helpers ----------

  load<T extends Obj = Obj>(id: string, expectedType?: string, param = "id"): T {
    const obj = this.store.get<T>(id);
    const prefix = Object.keys(KIND_BY_PREFIX).find((p) => id.startsWith(p));
    const kind = expectedType ?? (prefix ? KIND_BY_PREFIX[prefix] : "object") ?? "object";
    if (!obj || (expectedType && obj.object !== expectedType) || obj.deleted === true) throw resourceMissing(kind, id, param);
    return obj;
  }

  nowFor(customerId: string | null): number {
    if (customerId) {
      const c = this.store.get(customerId);
      const clockId = c?.test_clock;
      if (typeof clockId === "string") {
        const clock = this.store.get(clockId);
        if (clock) return Number(clock.frozen_time);
      }
    }
    return realNow();
  }

  emit(type: string, obj: Obj, opts: { previous?: Record<string, unknown>; created?: number; customer?: string | null } = {}): void {
    const customer =
      opts.customer !== undefined
        ? opts.customer
        : obj.object === "customer"
          ? obj.id
          : typeof obj.customer === "string"
            ? obj.customer
            : null;
    const event = eventObj({
      id: randomId("evt_"),
      type,
      created: opts.created ?? this.nowFor(customer),
      object: structuredClone(publicView(obj)),
      previous_attributes: opts.previous,
      request: { id: this.request.requestId, idempotency_key: this.request.idempotencyKey },
    });
    const mode = this.mode();
    const status: DeliveryStatus = mode === "hold" ? "held" : mode === "drop" ? "dropped" : "pending";
    this.store.insertEvent(event, customer, status);
    this.emitted++;
  }

  /** Save and emit `<type>.updated` with previous_attributes if anything changed. */
  update(before: Obj, after: Obj, eventType: string | null, created?: number): void {
    this.store.put(after);
    if (!eventType) return;
    const previous = diff(before, after);
    if (Object.keys(previous).length > 0) this.emit(eventType, after, { previous, created });
  }

  // ---------- payment methods and charges ----------

  createPaymentMethod(customerId: string | null, email: string | null, now: number, declining = false): Obj {
    const pm = paymentMethodObj({
      id: randomId("pm_"),
      created: now,
      customer: customerId,
      email,
      last4: declining ? "0002" : "4242",
    });
    this.store.put(pm);
    return pm;
  }

  /**
   * The billing portal's "Add payment method", as Stripe runs it: a SetupIntent confirms the card
   * (setup_intent.created, then payment_method.attached and setup_intent.succeeded), and the new card
   * becomes the customer's invoice default (customer.updated with invoice_settings in
   * previous_attributes). Subscriptions keep their own default_payment_method, if they have one.
   * Adding a card never resumes a paused subscription: that is POST /v1/subscriptions/:id/resume.
   */
  addPortalPaymentMethod(customerId: string): Obj {
    const customer = this.load(customerId, "customer");
    const at = this.nowFor(customerId);
    const si = setupIntentObj({
      id: randomId("seti_"),
      created: at,
      customer: customerId,
      payment_method: null,
      status: "requires_payment_method",
    });
    this.store.put(si);
    this.emit("setup_intent.created", si, { created: at });
    const pm = this.createPaymentMethod(customerId, (customer.email as string | null) ?? null, at);
    this.emit("payment_method.attached", pm, { created: at });
    Object.assign(si, { payment_method: pm.id, status: "succeeded" });
    this.store.put(si);
    this.emit("setup_intent.succeeded", si, { created: at });
    const before = structuredClone(customer);
    customer.invoice_settings = { ...(customer.invoice_settings as object), default_payment_method: pm.id };
    this.update(before, customer, "customer.updated", at);
    return pm;
  }

  /** Whether the customer's next charge must fail (control API decline_next_payment). */
  isDeclining(customerId: string | null): boolean {
    if (!customerId) return false;
    const left = this.store.get(customerId)?._decline_remaining;
    return left === "always" || (typeof left === "number" && left > 0);
  }

  /** A declined attempt uses up one of the requested declines. */
  consumeDecline(customerId: string | null): void {
    if (!customerId) return;
    const c = this.store.get(customerId);
    if (!c || typeof c._decline_remaining !== "number") return;
    c._decline_remaining = Math.max(0, c._decline_remaining - 1);
    this.store.put(c);
  }

  /**
   * Creates a payment intent + charge. On decline the intent is left in
   * requires_payment_method with last_payment_error, exactly what Stripe shows.
   */
  charge(args: {
    customer: string | null;
    amount: number;
    currency: string;
    paymentMethod: string | null;
    description: string | null;
    metadata?: Record<string, string>;
    setupFutureUsage?: string | null;
    invoice?: string | null;
    now: number;
    forceDecline?: boolean;
  }): { pi: Obj; charge: Obj; ok: boolean } {
    const flagged = this.isDeclining(args.customer);
    if (flagged) this.consumeDecline(args.customer);
    const declined = args.forceDecline === true || flagged;
    const pi = paymentIntentObj({
      id: randomId("pi_"),
      created: args.now,
      amount: args.amount,
      currency: args.currency,
      customer: args.customer,
      description: args.description,
      metadata: args.metadata ?? {},
      payment_method: declined ? null : args.paymentMethod,
      setup_future_usage: args.setupFutureUsage ?? null,
      _invoice: args.invoice ?? null,
    });
    // Every payment starts as an intent that Stripe announces before any charge.
    this.store.put(pi);
    this.emit("payment_intent.created", pi, { created: args.now });
    const ch = chargeObj({
      id: randomId("ch_"),
      created: args.now,
      amount: args.amount,
      currency: args.currency,
      customer: args.customer,
      description: args.description,
      metadata: args.metadata ?? {},
      payment_intent: pi.id,
      payment_method: args.paymentMethod,
      last4: declined ? "0002" : "4242",
    });
    pi.latest_charge = ch.id;
    if (declined) {
      const error = {
        type: "card_error",
        code: "card_declined",
        decline_code: "generic_decline",
        message: "Your card was declined.",
        charge: ch.id,
        doc_url: "https://stripe.com/docs/error-codes/card-declined",
      };
      const pm = args.paymentMethod ? this.store.get(args.paymentMethod) : null;
      if (pm) Object.assign(error, { payment_method: publicView(pm) });
      pi.last_payment_error = error;
      pi.status = "requires_payment_method";
      Object.assign(ch, {
        amount_captured: 0,
        captured: false,
        paid: false,
        status: "failed",
        failure_code: "card_declined",
        failure_message: "Your card was declined.",
        outcome: {
          advice_code: "try_again_later",
          network_advice_code: null,
          network_decline_code: null,
          network_status: "declined_by_network",
          reason: "generic_decline",
          risk_level: "normal",
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined",
        },
      });
      this.store.put(pi);
      this.store.put(ch);
      this.emit("charge.failed", ch, { created: args.now });
      this.emit("payment_intent.payment_failed", pi, { created: args.now });
      return { pi, charge: ch, ok: false };
    }
    Object.assign(pi, { status: "succeeded", amount_received: args.amount });
    this.store.put(pi);
    this.store.put(ch);
    this.emit("charge.succeeded", ch, { created: args.now });
    this.emit("payment_intent.succeeded", pi, { created: args.now });
    return { pi, charge: ch, ok: true };
  }

  /** A charge attempt that the customer's decline flag fails, as the card error Stripe answers with. */
  declinedAttempt(customer: string, amount: number, currency: string, paymentMethod: string | null, now: number): StripeError {
    const { pi, charge } = this.charge({ customer, amount, currency, paymentMethod, description: null, now });
    return cardErrorFor(pi, charge);
  }

  // ---------- subscriptions ----------

  priceOf(id: string, param: string): Obj {
    const price = this.store.get(id);
    if (!price || price.object !== "price") throw resourceMissing("price", id, param);
    return price;
  }

  intervalOf(sub: Obj): { interval: Interval; count: number } {
    const items = (sub.items as { data: Obj[] }).data;
    const price = items[0]?.price as Obj | undefined;
    const rec = price?.recurring as { interval: Interval; interval_count: number } | null | undefined;
    return { interval: rec?.interval ?? "month", count: rec?.interval_count ?? 1 };
  }

  period(sub: Obj): Period {
    const item = (sub.items as { data: Obj[] }).data[0];
    return { start: Number(item?.current_period_start ?? 0), end: Number(item?.current_period_end ?? 0) };
  }

  setPeriod(sub: Obj, p: Period): void {
    for (const item of (sub.items as { data: Obj[] }).data) {
      item.current_period_start = p.start;
      item.current_period_end = p.end;
      this.store.put(item);
    }
  }

  syncItems(sub: Obj): void {
    for (const item of (sub.items as { data: Obj[] }).data) this.store.put(item);
  }

  defaultPaymentMethod(sub: Obj): string | null {
    if (typeof sub.default_payment_method === "string") return sub.default_payment_method;
    const customer = this.store.get(String(sub.customer));
    const settings = customer?.invoice_settings as { default_payment_method?: string | null } | undefined;
    return settings?.default_payment_method ?? null;
  }

  createSubscription(args: {
    customer: Obj;
    items: { price: Obj; quantity: number; metadata?: Record<string, string> }[];
    trialPeriodDays?: number;
    trialEnd?: number;
    missingPaymentMethod?: string;
    trialBillingCycleAnchor?: string | null;
    defaultPaymentMethod?: string | null;
    metadata?: Record<string, string>;
    paymentBehavior?: string;
    description?: string | null;
  }): Obj {
    const now = this.nowFor(args.customer.id);
    const first = args.items[0];
    if (!first) throw badRequest("Missing required param: items.", "items", "parameter_missing");
    const currency = String(first.price.currency);
    for (const [i, it] of args.items.entries()) {
      if (it.price.type !== "recurring")
        throw badRequest(
          `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
          `items[${i}][price]`,
        );
      if (it.price.currency !== currency) throw badRequest("All prices must share one currency.", `items[${i}][price]`);
    }
    const trialEnd =
      args.trialEnd ?? (args.trialPeriodDays !== undefined && args.trialPeriodDays > 0 ? now + args.trialPeriodDays * 86400 : undefined);
    const subId = randomId("sub_");
    const rec = first.price.recurring as { interval: Interval; interval_count: number };
    const period: Period = trialEnd
      ? { start: now, end: trialEnd }
      : { start: now, end: addInterval(now, rec.interval, rec.interval_count) };
    const items = args.items.map((it) =>
      subscriptionItemObj({
        id: randomId("si_"),
        created: now,
        price: it.price,
        quantity: it.quantity,
        subscription: subId,
        metadata: it.metadata ?? {},
        current_period_start: period.start,
        current_period_end: period.end,
      }),
    );
    const pm = args.defaultPaymentMethod ?? null;
    const customerDefault = (args.customer.invoice_settings as { default_payment_method: string | null }).default_payment_method;
    if (args.paymentBehavior === "error_if_incomplete" && !trialEnd) {
      if (!pm && !customerDefault)
        throw badRequest("This customer has no attached payment source or default payment method.", undefined, "resource_missing");
      if (this.isDeclining(args.customer.id)) {
        const amount = args.items.reduce((t, it) => t + Number(it.price.unit_amount) * it.quantity, 0);
        throw this.declinedAttempt(args.customer.id, amount, currency, pm ?? customerDefault, now);
      }
    }
    const sub = subscriptionObj({
      id: subId,
      created: now,
      customer: args.customer.id,
      currency,
      billing_cycle_anchor: period.end,
      start_date: now,
      status: trialEnd ? "trialing" : "incomplete",
      items: listObj(items, `/v1/subscription_items?subscription=${subId}`),
      default_payment_method: pm,
      metadata: args.metadata ?? {},
      description: args.description ?? null,
      test_clock: args.customer.test_clock ?? null,
      trial_start: trialEnd ? now : null,
      trial_end: trialEnd ?? null,
      trial_settings: trialSettings(args.missingPaymentMethod ?? "create_invoice", args.trialBillingCycleAnchor ?? null),
      _trial_will_end_sent: false,
    });
    // Stripe creates the first invoice with the subscription: the created event already names it.
    const invoiceId = randomId("in_");
    sub.latest_invoice = invoiceId;
    this.syncItems(sub);
    this.store.put(sub);
    this.emit("customer.subscription.created", sub, { created: now });

    const lines = trialEnd
      ? items.map((it) => this.line(sub, it, 0, `Trial period for ${this.productName(it.price as Obj)}`, period))
      : items.map((it) => this.line(sub, it, Number((it.price as Obj).unit_amount) * Number(it.quantity), null, period));
    const invoice = this.createInvoice(sub, lines, "subscription_create", period, now, { id: invoiceId });
    const before = structuredClone(sub);
    const paid = this.payInvoice(invoice, now);
    if (!trialEnd) sub.status = paid ? "active" : "incomplete";
    // Stripe's created event already names the first invoice; only a status change is news.
    this.update(before, sub, sub.status !== before.status ? "customer.subscription.updated" : null, now);
    return sub;
  }

  productName(price: Obj): string {
    const product = this.store.get(String(price.product));
    return text(product?.name, "Product");
  }

  line(
    sub: Obj,
    item: Obj,
    amount: number,
    description: string | null,
    period: Period,
    proration = false,
    quantity?: number,
    price?: Obj,
  ): Obj {
    const p = price ?? (item.price as Obj);
    const qty = quantity ?? Number(item.quantity);
    return invoiceLineObj({
      id: randomId("il_"),
      invoice: null,
      amount,
      quantity: qty,
      price: p,
      description:
        description ??
        `${qty} × ${this.productName(p)} (at ${formatMoney(Number(p.unit_amount), String(p.currency))} / ${(p.recurring as { interval?: string } | null)?.interval ?? "unit"})`,
      period: { start: period.start, end: period.end },
      subscription: sub.id,
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration,
          proration_details: { credited_items: null },
          subscription: sub.id,
          subscription_item: item.id,
        },
        type: "subscription_item_details",
      },
    });
  }

  /**
   * Creates an invoice (invoice.created) and finalizes it at once (invoice.finalized), or with
   * `draft` leaves it a draft that finalizeDraft() finalizes and pays DRAFT_SECONDS later, as
   * Stripe does with the invoices of a new billing period.
   */
  createInvoice(
    sub: Obj,
    lines: Obj[],
    billingReason: string,
    period: Period,
    now: number,
    opts: { preview?: boolean; id?: string; draft?: boolean } = {},
  ): Obj {
    const customer = this.load(String(sub.customer), "customer");
    // Pending proration items wait for the next invoice, as Stripe's do.
    const claimed = opts.preview ? [] : this.store.all("invoiceitem").filter((ii) => ii._pending === true && ii._subscription === sub.id);
    for (const ii of claimed.reverse()) lines.push(ii._line as Obj);
    const id = opts.preview ? `upcoming_${randomId("in_")}` : (opts.id ?? randomId("in_"));
    const total = lines.reduce((s, l) => s + Number(l.amount), 0);
    for (const l of lines) l.invoice = opts.preview ? null : id;
    const invoice = invoiceObj({
      id,
      created: now,
      customer: customer.id,
      currency: text(sub.currency, "usd"),
      customer_email: customer.email ?? null,
      customer_name: customer.name ?? null,
      billing_reason: billingReason,
      amount_due: Math.max(total, 0),
      amount_remaining: Math.max(total, 0),
      subtotal: total,
      subtotal_excluding_tax: total,
      total,
      total_excluding_tax: total,
      starting_balance: 0,
      lines: listObj(lines, `/v1/invoices/${id}/lines`),
      period_start: period.start,
      period_end: period.end,
      test_clock: customer.test_clock ?? null,
      parent: {
        quote_details: null,
        subscription_details: { metadata: sub.metadata ?? {}, subscription: sub.id },
        type: "subscription_details",
      },
      _payment_intent: null,
    });
    if (opts.preview) return invoice;
    for (const ii of claimed) {
      ii.invoice = id;
      ii._pending = false;
      this.store.put(ii);
    }
    if (opts.draft) invoice.automatically_finalizes_at = now + DRAFT_SECONDS;
    this.store.put(invoice);
    this.emit("invoice.created", invoice, { created: now });
    if (opts.draft) return invoice;
    this.finalize(invoice, now);
    return invoice;
  }

  /** draft -> open: numbered, due now; emits invoice.updated (with previous_attributes) and invoice.finalized. */
  finalize(invoice: Obj, now: number): void {
    const customer = this.load(String(invoice.customer), "customer");
    const total = Number(invoice.total);
    const before = structuredClone(invoice);
    const seq = Number(customer.next_invoice_sequence ?? 1);
    customer.next_invoice_sequence = seq + 1;
    this.store.put(customer);
    Object.assign(invoice, {
      status: "open",
      number: `${String(customer.invoice_prefix)}-${String(seq).padStart(4, "0")}`,
      effective_at: now,
      hosted_invoice_url: null,
      status_transitions: { ...(invoice.status_transitions as object), finalized_at: now },
      next_payment_attempt: total > 0 ? now : null,
      ending_balance: 0,
      automatically_finalizes_at: null,
    });
    this.update(before, invoice, "invoice.updated", now);
    this.emit("invoice.finalized", invoice, { created: now });
  }

  /** Attempts to pay an open invoice. Emits paid or payment_failed. */
  payInvoice(invoice: Obj, now: number, opts: { paymentMethod?: string | null } = {}): boolean {
    const parent = invoice.parent as { subscription_details?: { subscription?: string } } | null;
    const subId = parent?.subscription_details?.subscription ?? null;
    const sub = subId ? this.store.get(subId) : null;
    const before = structuredClone(invoice);
    const amount = Number(invoice.amount_due);
    if (amount <= 0) {
      Object.assign(invoice, {
        status: "paid",
        amount_paid: 0,
        amount_remaining: 0,
        attempted: true,
        next_payment_attempt: null,
        status_transitions: { ...(invoice.status_transitions as object), paid_at: now },
      });
      this.update(before, invoice, "invoice.updated", now);
      this.emit("invoice.paid", invoice, { created: now });
      this.emit("invoice.payment_succeeded", invoice, { created: now });
      return true;
    }
    const pm = opts.paymentMethod ?? (sub ? this.defaultPaymentMethod(sub) : null);
    invoice.attempt_count = Number(invoice.attempt_count) + 1;
    invoice.attempted = true;
    if (!pm) {
      invoice.next_payment_attempt = null;
      this.update(before, invoice, "invoice.updated", now);
      this.emit("invoice.payment_failed", invoice, { created: now });
      return false;
    }
    const result = this.charge({
      customer: String(invoice.customer),
      amount,
      currency: String(invoice.currency),
      paymentMethod: pm,
      description: invoice.billing_reason === "subscription_create" ? "Subscription creation" : "Subscription update",
      invoice: invoice.id,
      now,
    });
    invoice._payment_intent = result.pi.id;
    if (!result.ok) {
      invoice.next_payment_attempt = now + 3 * 86400;
      this.update(before, invoice, "invoice.updated", now);
      this.emit("invoice.payment_failed", invoice, { created: now });
      return false;
    }
    Object.assign(invoice, {
      status: "paid",
      amount_paid: amount,
      amount_remaining: 0,
      next_payment_attempt: null,
      status_transitions: { ...(invoice.status_transitions as object), paid_at: now },
    });
    this.update(before, invoice, "invoice.updated", now);
    this.emit("invoice.paid", invoice, { created: now });
    this.emit("invoice.payment_succeeded", invoice, { created: now });
    // The invoice's payment record: which payment intent paid how much of it.
    const payment = invoicePaymentObj({
      id: randomId("inpay_"),
      created: now,
      amount_paid: amount,
      amount_requested: amount,
      currency: invoice.currency,
      invoice: invoice.id,
      payment: { type: "payment_intent", payment_intent: result.pi.id },
      status_transitions: { canceled_at: null, paid_at: now },
      _customer: invoice.customer,
    });
    this.store.put(payment);
    this.emit("invoice_payment.paid", payment, { created: now, customer: String(invoice.customer) });
    return true;
  }

  cancelSubscription(
    sub: Obj,
    now: number,
    reason = "cancellation_requested",
    details: { comment?: string | null; feedback?: string | null } = {},
  ): Obj {
    Object.assign(sub, {
      status: "canceled",
      canceled_at: sub.canceled_at ?? now,
      ended_at: now,
      cancellation_details: { ...cancellationDetails(reason), ...details },
    });
    // The renewal draft of its last period stays a draft: Stripe stops advancing a canceled
    // subscription's invoices, so it is never finalized or charged (auto_advance false).
    const draft = this.draftOf(sub);
    this.store.put(sub);
    this.emit("customer.subscription.deleted", sub, { created: now });
    if (draft) {
      const before = structuredClone(draft);
      Object.assign(draft, { auto_advance: false, automatically_finalizes_at: null });
      this.update(before, draft, "invoice.updated", now);
    }
    return sub;
  }

  /** Stripe prorates only inside the period being changed. */
  checkProrationDate(sub: Obj, at: number, param: string): void {
    const { start, end } = this.period(sub);
    if (at < start || at > end) throw badRequest("Cannot specify proration date outside of current subscription period", param);
  }

  /** Proration lines for changing items from `before` quantities/prices at `at`. */
  prorations(
    sub: Obj,
    changes: { item: Obj; oldPrice: Obj | null; oldQty: number; newPrice: Obj | null; newQty: number }[],
    at: number,
  ): Obj[] {
    const { start, end } = this.period(sub);
    const total = end - start;
    if (total <= 0 || at >= end) return [];
    const remaining = end - Math.max(at, start);
    const lines: Obj[] = [];
    const date = new Date(at * 1000).toISOString().slice(0, 10);
    for (const c of changes) {
      if (c.oldPrice && c.oldQty > 0 && sub.status !== "trialing") {
        const amount = -Math.round((Number(c.oldPrice.unit_amount) * c.oldQty * remaining) / total);
        lines.push(
          this.line(
            sub,
            c.item,
            amount,
            `Unused time on ${c.oldQty} × ${this.productName(c.oldPrice)} after ${date}`,
            { start: at, end },
            true,
            c.oldQty,
            c.oldPrice,
          ),
        );
      }
      if (c.newPrice && c.newQty > 0 && sub.status !== "trialing") {
        const amount = Math.round((Number(c.newPrice.unit_amount) * c.newQty * remaining) / total);
        lines.push(
          this.line(
            sub,
            c.item,
            amount,
            `Remaining time on ${c.newQty} × ${this.productName(c.newPrice)} after ${date}`,
            { start: at, end },
            true,
            c.newQty,
            c.newPrice,
          ),
        );
      }
    }
    return lines;
  }

  /** Applies item changes (validated by the caller) and returns the proration inputs. */
  applyItems(sub: Obj, inputs: ItemInput[], now: number) {
    const items = (sub.items as { data: Obj[] }).data;
    const changes: { item: Obj; oldPrice: Obj | null; oldQty: number; newPrice: Obj | null; newQty: number }[] = [];
    const p = this.period(sub);
    for (const [i, input] of inputs.entries()) {
      if (input.id) {
        const item = items.find((it) => it.id === input.id);
        if (!item) throw resourceMissing("subscription item", input.id, `items[${i}][id]`);
        const oldPrice = item.price as Obj;
        const oldQty = Number(item.quantity);
        if (input.deleted) {
          items.splice(items.indexOf(item), 1);
          this.store.delete(item.id);
          changes.push({ item, oldPrice, oldQty, newPrice: null, newQty: 0 });
          continue;
        }
        const newPrice = input.price ? this.priceOf(input.price, `items[${i}][price]`) : oldPrice;
        const newQty = input.quantity ?? oldQty;
        item.price = newPrice;
        item.plan = subscriptionItemObj({ id: item.id, created: 0, price: newPrice, quantity: newQty, subscription: sub.id }).plan;
        item.quantity = newQty;
        if (input.metadata) item.metadata = input.metadata;
        if (newPrice.id !== oldPrice.id || newQty !== oldQty) changes.push({ item, oldPrice, oldQty, newPrice, newQty });
      } else {
        if (!input.price) throw badRequest("Missing required param: items[" + i + "][price].", `items[${i}][price]`, "parameter_missing");
        const price = this.priceOf(input.price, `items[${i}][price]`);
        const item = subscriptionItemObj({
          id: randomId("si_"),
          created: now,
          price,
          quantity: input.quantity ?? 1,
          subscription: sub.id,
          metadata: input.metadata ?? {},
          current_period_start: p.start,
          current_period_end: p.end,
        });
        items.push(item);
        changes.push({ item, oldPrice: null, oldQty: 0, newPrice: price, newQty: Number(item.quantity) });
      }
    }
    if (items.length === 0) throw badRequest("A subscription must have at least one active plan.", "items");
    return changes;
  }

  updateSubscription(
    sub: Obj,
    args: {
      items?: ItemInput[];
      prorationBehavior?: string;
      prorationDate?: number;
      cancelAtPeriodEnd?: boolean;
      metadata?: Record<string, string>;
      defaultPaymentMethod?: string | null;
      description?: string | null;
      paymentBehavior?: string;
    },
  ): Obj {
    if (sub.status === "canceled" || sub.status === "incomplete_expired")
      throw badRequest(`A canceled subscription can only update its cancellation_details and metadata.`, undefined);
    const now = this.nowFor(String(sub.customer));
    if (args.prorationDate !== undefined) this.checkProrationDate(sub, args.prorationDate, "proration_date");
    if (args.items && args.prorationBehavior === "always_invoice" && args.paymentBehavior === "error_if_incomplete") {
      // Stripe refuses the whole update when the immediate charge fails; check on a copy first.
      const due = this.dryRun(() => {
        const copy = structuredClone(sub);
        const changes = this.applyItems(copy, args.items as ItemInput[], now);
        return this.prorations(copy, changes, args.prorationDate ?? now).reduce((t, l) => t + Number(l.amount), 0);
      });
      if (due > 0) {
        if (!this.defaultPaymentMethod(sub))
          throw badRequest("This customer has no attached payment source or default payment method.", undefined, "resource_missing");
        if (this.isDeclining(String(sub.customer)))
          throw this.declinedAttempt(String(sub.customer), due, String(sub.currency), this.defaultPaymentMethod(sub), now);
      }
    }
    const before = structuredClone(sub);
    let prorationLines: Obj[] = [];
    if (args.items) {
      const changes = this.applyItems(sub, args.items, now);
      const behavior = args.prorationBehavior ?? "create_prorations";
      if (behavior !== "none") prorationLines = this.prorations(sub, changes, args.prorationDate ?? now);
      this.syncItems(sub);
    }
    if (args.cancelAtPeriodEnd !== undefined) {
      sub.cancel_at_period_end = args.cancelAtPeriodEnd;
      sub.cancel_at = args.cancelAtPeriodEnd ? this.period(sub).end : null;
      sub.canceled_at = args.cancelAtPeriodEnd ? now : null;
      sub.cancellation_details = cancellationDetails(args.cancelAtPeriodEnd ? "cancellation_requested" : null);
    }
    if (args.metadata) sub.metadata = args.metadata;
    if (args.defaultPaymentMethod !== undefined) sub.default_payment_method = args.defaultPaymentMethod;
    if (args.description !== undefined) sub.description = args.description;
    // Invoiced at once, the update's own invoice is its latest_invoice in the one updated event.
    const invoiceNow = prorationLines.length > 0 && args.prorationBehavior === "always_invoice";
    const invoiceId = randomId("in_");
    if (invoiceNow) sub.latest_invoice = invoiceId;
    this.update(before, sub, "customer.subscription.updated", now);
    if (prorationLines.length > 0) {
      // Each proration is an invoice item first (invoiceitem.created), then a line of an invoice.
      const items = prorationLines.map((l) => this.prorationItem(sub, l, now));
      if (invoiceNow) {
        const invoice = this.createInvoice(sub, prorationLines, "subscription_update", this.period(sub), now, { id: invoiceId });
        for (const ii of items) {
          ii.invoice = invoice.id;
          this.store.put(ii);
        }
        if (!this.payInvoice(invoice, now)) {
          const b2 = structuredClone(sub);
          sub.status = "past_due";
          this.update(b2, sub, "customer.subscription.updated", now);
        }
      } else {
        // Pending until the next invoice of the subscription picks them up.
        for (const ii of items) {
          ii._pending = true;
          this.store.put(ii);
        }
      }
    }
    return sub;
  }

  prorationItem(sub: Obj, line: Obj, now: number): Obj {
    const parent = line.parent as { subscription_item_details: { subscription_item: string } };
    const pricing = line.pricing as Obj;
    const ii = invoiceItemObj({
      id: randomId("ii_"),
      customer: String(sub.customer),
      date: now,
      amount: Number(line.amount),
      currency: String(line.currency),
      description: line.description,
      period: line.period,
      proration: true,
      quantity: Number(line.quantity),
      quantity_decimal: String(line.quantity),
      pricing,
      parent: {
        subscription_details: { subscription: sub.id, subscription_item: parent.subscription_item_details.subscription_item },
        type: "subscription_details",
      },
      test_clock: sub.test_clock ?? null,
      _subscription: sub.id,
      _line: line,
    });
    (line.parent as { subscription_item_details: { invoice_item: string | null } }).subscription_item_details.invoice_item = ii.id;
    this.store.put(ii);
    this.emit("invoiceitem.created", ii, { created: now });
    return ii;
  }

  /** Runs `fn` with store writes suppressed, for previews and pre-checks. */
  dryRun<T>(fn: () => T): T {
    const put = this.store.put.bind(this.store);
    const del = this.store.delete.bind(this.store);
    this.store.put = () => undefined;
    this.store.delete = () => undefined;
    try {
      return fn();
    } finally {
      this.store.put = put;
      this.store.delete = del;
    }
  }

  // ---------- time ----------

  /** The subscription's renewal invoice still in its draft hour, if any. */
  draftOf(sub: Obj): Obj | null {
    if (typeof sub.latest_invoice !== "string") return null;
    const invoice = this.store.get(sub.latest_invoice);
    return invoice?.status === "draft" && typeof invoice.automatically_finalizes_at === "number" ? invoice : null;
  }

  /** When the next thing happens to a subscription (a draft's finalization, trial_will_end, trial end, period end), or null. */
  nextStepAt(sub: Obj): number | null {
    if (["canceled", "incomplete", "incomplete_expired", "paused"].includes(String(sub.status))) return null;
    const draft = this.draftOf(sub);
    if (draft) return Number(draft.automatically_finalizes_at);
    if (sub.status === "trialing") {
      const trialEnd = Number(sub.trial_end);
      if (!sub._trial_will_end_sent && trialEnd - 3 * 86400 > Number(sub.created)) return trialEnd - 3 * 86400;
      return trialEnd;
    }
    return this.period(sub).end;
  }

  /**
   * Real time for everything not on a test clock: due subscription steps run and
   * open checkout sessions past expires_at expire. Returns when the next one is due.
   */
  tick(now: number): number | null {
    this.request = { requestId: null, idempotencyKey: null };
    for (let guard = 0; guard < 1000; guard++) {
      let next: { at: number; sub: Obj } | null = null;
      for (const sub of this.store.all("subscription")) {
        if (sub.test_clock) continue;
        const at = this.nextStepAt(sub);
        if (at !== null && at <= now && (!next || at < next.at)) next = { at, sub };
      }
      if (!next) break;
      this.advanceSubscriptionOneStep(next.sub, next.at);
    }
    let upcoming: number | null = null;
    const consider = (t: number | null) => {
      if (t !== null && t > now && (upcoming === null || t < upcoming)) upcoming = t;
    };
    for (const sub of this.store.all("subscription")) if (!sub.test_clock) consider(this.nextStepAt(sub));
    for (const s of this.store.all("checkout.session")) {
      if (s.status !== "open") continue;
      if (Number(s.expires_at) <= now) {
        s.status = "expired";
        s.url = null;
        this.store.put(s);
        this.emit("checkout.session.expired", s, { customer: (s.customer as string | null) ?? null, created: Number(s.expires_at) });
      } else consider(Number(s.expires_at));
    }
    return upcoming;
  }

  /** Runs the single next thing that happens to a subscription, at `at`. */
  advanceSubscriptionOneStep(sub: Obj, at: number): void {
    const draft = this.draftOf(sub);
    if (draft) {
      this.finalizeDraft(sub, draft, at);
      return;
    }
    if (sub.status === "trialing") {
      const trialEnd = Number(sub.trial_end);
      if (!sub._trial_will_end_sent && at < trialEnd) {
        sub._trial_will_end_sent = true;
        this.store.put(sub);
        this.emit("customer.subscription.trial_will_end", sub, { created: at });
        return;
      }
      this.endTrial(sub, trialEnd);
      return;
    }
    this.renew(sub, this.period(sub).end);
  }

  endTrial(sub: Obj, at: number): void {
    const pm = this.defaultPaymentMethod(sub);
    const behavior = (sub.trial_settings as { end_behavior: { missing_payment_method: string } }).end_behavior.missing_payment_method;
    if (!pm && behavior === "cancel") {
      this.cancelSubscription(sub, at, "cancellation_requested");
      return;
    }
    if (!pm && behavior === "pause") {
      // Paused, not pause_collection (which keeps the status and still invoices): no invoice, no new
      // period, nothing happens to it until it is resumed (nextStepAt is null for paused).
      const before = structuredClone(sub);
      sub.status = "paused";
      sub.status_details = {
        paused: { subscription: { type: "trial_end_without_payment_method" }, transitioned_at: at, type: "subscription" },
      };
      this.update(before, sub, "customer.subscription.updated", at);
      this.emit("customer.subscription.paused", sub, { created: at });
      return;
    }
    this.startPeriod(sub, at, { status: "active", billing_cycle_anchor: at });
  }

  /**
   * POST /v1/subscriptions/:id/resume. billing_cycle_anchor `now` (the default) starts a new period
   * now and invoices it in full; `unchanged` moves to the period around now on the old anchor and,
   * unless proration_behavior is `none`, invoices the rest of it prorated. The resumption invoice is
   * finalized and charged at once. With payment_behavior `resume_on_payment_attempt` (the default)
   * the subscription resumes either way, `active` if paid, `past_due` if not; with
   * `resume_on_payment_success` a failed payment leaves it paused (the invoice stays open). Without
   * an invoice it is active at once. Resuming emits customer.subscription.updated and
   * customer.subscription.resumed.
   */
  resumeSubscription(
    sub: Obj,
    args: { billingCycleAnchor?: "now" | "unchanged"; prorationBehavior?: string; prorationDate?: number; paymentBehavior?: string },
  ): Obj {
    if (sub.status !== "paused") throw badRequest(`Only a paused subscription can be resumed; this one is ${String(sub.status)}.`);
    const now = this.nowFor(String(sub.customer));
    const items = (sub.items as { data: Obj[] }).data;
    const { interval, count } = this.intervalOf(sub);
    let period: Period;
    let lines: Obj[];
    const changes: Record<string, unknown> = {};
    if ((args.billingCycleAnchor ?? "now") === "now") {
      period = { start: now, end: addInterval(now, interval, count) };
      lines = items.map((it) => this.line(sub, it, Number((it.price as Obj).unit_amount) * Number(it.quantity), null, period));
      changes.billing_cycle_anchor = now;
    } else {
      // The period around `now` on the unchanged anchor.
      period = this.period(sub);
      while (period.end <= now) period = { start: period.end, end: addInterval(period.end, interval, count) };
      const at = args.prorationDate ?? now;
      if (at < period.start || at > period.end)
        throw badRequest("Cannot specify proration date outside of current subscription period", "proration_date");
      const remaining = period.end - at;
      const total = period.end - period.start;
      const date = new Date(at * 1000).toISOString().slice(0, 10);
      lines =
        args.prorationBehavior === "none"
          ? []
          : items.map((it) =>
              this.line(
                sub,
                it,
                Math.round((Number((it.price as Obj).unit_amount) * Number(it.quantity) * remaining) / total),
                `Remaining time on ${String(it.quantity)} × ${this.productName(it.price as Obj)} after ${date}`,
                { start: at, end: period.end },
                true,
              ),
            );
    }
    const before = structuredClone(sub);
    this.setPeriod(sub, period);
    const invoice = lines.length > 0 ? this.createInvoice(sub, lines, "subscription_update", period, now) : null;
    const paid = invoice ? this.payInvoice(invoice, now) : true;
    if (invoice) changes.latest_invoice = invoice.id;
    if (!paid && args.paymentBehavior === "resume_on_payment_success") {
      // Still paused until the invoice is paid (retryInvoice finishes the resume); only the new invoice is recorded.
      this.setPeriod(sub, this.period(before));
      Object.assign(sub, { latest_invoice: changes.latest_invoice, _resume: { period, changes } });
      this.update(before, sub, "customer.subscription.updated", now);
      return sub;
    }
    this.finishResume(before, sub, changes, paid ? "active" : "past_due", now);
    return sub;
  }

  finishResume(before: Obj, sub: Obj, changes: Record<string, unknown>, status: string, now: number): void {
    Object.assign(sub, changes, { status });
    delete sub.status_details;
    delete sub._resume;
    this.update(before, sub, "customer.subscription.updated", now);
    this.emit("customer.subscription.resumed", sub, { created: now });
  }

  renew(sub: Obj, at: number): void {
    if (sub.cancel_at_period_end === true) {
      this.cancelSubscription(sub, at, "cancellation_requested");
      return;
    }
    this.startPeriod(sub, at, {});
  }

  /**
   * A new billing period: the invoice is created as a draft, the subscription moves to the new
   * period (one customer.subscription.updated); about an hour later finalizeDraft() finalizes
   * the invoice and collects it, as Stripe does.
   */
  startPeriod(sub: Obj, at: number, changes: Record<string, unknown>): void {
    const before = structuredClone(sub);
    const { interval, count } = this.intervalOf(sub);
    const period = { start: at, end: addInterval(at, interval, count) };
    this.setPeriod(sub, period);
    const items = (sub.items as { data: Obj[] }).data;
    const lines = items.map((it) => this.line(sub, it, Number((it.price as Obj).unit_amount) * Number(it.quantity), null, period));
    const invoice = this.createInvoice(sub, lines, "subscription_cycle", period, at, { draft: true });
    Object.assign(sub, changes, { latest_invoice: invoice.id });
    this.update(before, sub, "customer.subscription.updated", at);
  }

  /** The end of a renewal invoice's draft hour: finalized, then paid or past_due. */
  finalizeDraft(sub: Obj, invoice: Obj, at: number): void {
    this.finalize(invoice, at);
    const paid = this.payInvoice(invoice, at);
    if (!paid) {
      const before = structuredClone(sub);
      sub.status = "past_due";
      this.update(before, sub, "customer.subscription.updated", at);
    }
  }

  /** Retry of an open invoice (POST /v1/invoices/:id/pay or a clock advance). */
  retryInvoice(invoice: Obj, now: number, paymentMethod?: string | null): boolean {
    if (invoice.status === "paid") throw badRequest("Invoice is already paid");
    if (invoice.status !== "open") throw badRequest(`You can only pay an invoice that is open (status: ${String(invoice.status)}).`);
    const paid = this.payInvoice(invoice, now, { paymentMethod });
    const parent = invoice.parent as { subscription_details?: { subscription?: string } } | null;
    const subId = parent?.subscription_details?.subscription;
    const sub = subId ? this.store.get(subId) : null;
    const resume = sub?._resume as { period: Period; changes: Record<string, unknown> } | undefined;
    if (sub && paid && sub.status === "paused" && resume && sub.latest_invoice === invoice.id) {
      const before = structuredClone(sub);
      this.setPeriod(sub, resume.period);
      this.finishResume(before, sub, resume.changes, "active", now);
      return paid;
    }
    if (sub && paid && ["past_due", "incomplete", "unpaid"].includes(String(sub.status))) {
      const before = structuredClone(sub);
      sub.status = "active";
      this.update(before, sub, "customer.subscription.updated", now);
    }
    return paid;
  }
}

/** Stripe's 402 for a declined charge names the charge, the payment intent and the card. */
export function cardErrorFor(pi: Obj, charge: Obj | string | null): StripeError {
  const error = pi.last_payment_error as { payment_method?: unknown } | null;
  return cardDeclined({
    charge: typeof charge === "string" ? charge : (charge?.id ?? pi.latest_charge),
    payment_intent: publicView(pi),
    ...(error?.payment_method ? { payment_method: error.payment_method } : {}),
  });
}

export function cardDeclined(extra: Record<string, unknown> = {}): StripeError {
  return new StripeError(402, "card_error", "Your card was declined.", "card_declined", undefined, {
    decline_code: "generic_decline",
    ...extra,
  });
}

export function formatMoney(amount: number, currency: string): string {
  const zeroDecimal = ["jpy", "krw", "vnd", "clp"].includes(currency.toLowerCase());
  const value = zeroDecimal ? amount : amount / 100;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(value);
  } catch {
    return `${value.toFixed(zeroDecimal ? 0 : 2)} ${currency.toUpperCase()}`;
  }
}
