import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import Stripe from "stripe";
import { expect, test, vi } from "vitest";
import worker from "../../app/worker";
import { STRIPE_EVENTS_DLQ, STRIPE_EVENTS_QUEUE } from "../../app/infra/queues/stripe-events.server";
import { parseStoredEvent } from "../../app/infra/stripe/mappers.server";
import { control, deliver, eventsFor, intentRow, isActedOn, PRICE, startCheckout, tenantState } from "../factories/billing";
import { BASE, callWorker, countRows as count, form, signedInAgent } from "../factories/http";
import { eventMessage, lastQueueRun, redeliver, runQueue } from "../factories/queue";
import { systemAdmin } from "../factories/tenants";

// Queued webhook ingestion (ADR 020): the webhook verifies and enqueues, queue() processes.

const wranglerConfig = import.meta.glob<string>("/wrangler.toml", { query: "?raw", import: "default", eager: true })["/wrangler.toml"]!;

/** A paid Organization purchase whose events have not been delivered yet. */
async function paidPurchase(name: string) {
  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 2, organizationName: name });
  expect((await control.pay(checkout.url, "pay")).status).toBe(303);
  const events = await eventsFor(checkout.customerId);
  const completed = events.find((e) => e.type === "checkout.session.completed")!;
  return { ...checkout, buyer, events, completed };
}

/** The verified event as the webhook would enqueue it (the emulator signs what Stripe would send). */
const verifiedEvent = async (eventId: string) => parseStoredEvent((await control.signEvent(eventId)).payload);

const webhookRequest = (payload: string, header: string) =>
  new Request(`${BASE}/api/stripe/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Stripe-Signature": header },
    body: payload,
  });

const inboxRow = (eventId: string) =>
  env.DB.prepare("SELECT status, attempts, error, payload FROM processed_webhook_events WHERE event_id = ?")
    .bind(eventId)
    .first<{ status: string; attempts: number; error: string | null; payload: string | null }>();

const provisionedAudits = (intentId: string) =>
  count("audit_log", "action = 'purchase.provisioned' AND target_type = 'purchase_intent' AND target_id = ?", intentId);

/** Makes inserting a tenant for this Stripe customer fail, as a D1 outage half-way through provisioning would. */
async function failProvisioningFor(customerId: string) {
  const name = `test_fail_${customerId.replace(/\W/g, "_")}`;
  await env.DB.prepare(
    `CREATE TRIGGER ${name} BEFORE INSERT ON tenants WHEN NEW.stripe_customer_id = '${customerId}' BEGIN SELECT RAISE(ABORT, 'injected outage'); END`,
  ).run();
  return () => env.DB.prepare(`DROP TRIGGER ${name}`).run();
}

test("wrangler.toml binds the producer and consumes the queue and its dead-letter queue in this Worker", () => {
  expect(wranglerConfig).toMatch(/\[\[queues\.producers\]\]\nbinding = "STRIPE_EVENTS"\nqueue = "gatehouse-stripe-events"/);
  expect(wranglerConfig).toContain(`[[queues.consumers]]\nqueue = "${STRIPE_EVENTS_QUEUE}"`);
  expect(wranglerConfig).toContain(`dead_letter_queue = "${STRIPE_EVENTS_DLQ}"`);
  expect(wranglerConfig).toContain(`[[queues.consumers]]\nqueue = "${STRIPE_EVENTS_DLQ}"`);
});

test("the webhook answers 500 when the event cannot be queued, records nothing, and Stripe's retry provisions", async () => {
  const p = await paidPurchase("Queue Down Co");
  const { payload, header } = await control.signEvent(p.completed.id);
  const queueDown = {
    ...env,
    STRIPE_EVENTS: { send: () => Promise.reject(new Error("queue unavailable")), sendBatch: () => Promise.reject(new Error("down")) },
  } as unknown as Env;
  const refused = await callWorker(webhookRequest(payload, header), queueDown);
  expect(refused.status).toBe(500);
  expect(await refused.json()).toMatchObject({ error: "not_queued" });
  expect(await inboxRow(p.completed.id)).toBeNull();
  expect((await intentRow(p.intentId))!.state).toBe("checkout_open");
  expect(await count("tenants", "stripe_customer_id = ?", p.customerId)).toBe(0);
  // Stripe retries the 500; this time the queue takes it.
  expect((await callWorker(webhookRequest(payload, header))).status).toBe(200);
  expect((await intentRow(p.intentId))!.state).toBe("provisioned");
});

test("an event too large for a queue message is stored in the inbox as queued, and the message names it", async () => {
  const p = await paidPurchase("Large Event Co");
  const signed = JSON.parse((await control.signEvent(p.completed.id)).payload) as Record<string, unknown>;
  // 150 KB of metadata: over the queue's 128 KB, under the webhook's 256 KiB.
  const payload = JSON.stringify({ ...signed, padding: "x".repeat(150_000) });
  const header = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: env.STRIPE_WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  const accepted = await callWorker(webhookRequest(payload, header));
  expect(accepted.status).toBe(200);
  const run = lastQueueRun();
  expect(run.messages.map((m) => m.body)).toEqual([{ kind: "stored", eventId: p.completed.id, type: "checkout.session.completed" }]);
  expect(run.acked).toHaveLength(1);
  expect((await intentRow(p.intentId))!.state).toBe("provisioned");
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "processed", attempts: 1, payload });
  // Stripe sends it again: a duplicate, recorded once.
  expect((await callWorker(webhookRequest(payload, header))).status).toBe(200);
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "processed", attempts: 1 });
  expect(await provisionedAudits(p.intentId)).toBe(1);
});

test("a queued large event waits in the inbox as queued until the consumer takes it", async () => {
  const p = await paidPurchase("Waiting Large Co");
  const signed = JSON.parse((await control.signEvent(p.completed.id)).payload) as Record<string, unknown>;
  const payload = JSON.stringify({ ...signed, padding: "y".repeat(130_000) });
  const header = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: env.STRIPE_WEBHOOK_SECRET,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  // Into the Worker with a queue that only keeps the message, as the real one does until its batch is due.
  const kept: unknown[] = [];
  const holding = { ...env, STRIPE_EVENTS: { send: async (body: unknown) => void kept.push(body) } } as unknown as Env;
  expect((await callWorker(webhookRequest(payload, header), holding)).status).toBe(200);
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "queued", attempts: 0, payload });
  const w = await systemAdmin();
  const page = await (await w.agent.fetch("/admin/webhooks?status=queued")).text();
  expect(page).toContain(p.completed.id);
  const run = await runQueue(STRIPE_EVENTS_QUEUE, [{ id: "m-large", timestamp: new Date(), attempts: 1, body: kept[0] }]);
  expect(run.acked).toEqual(["m-large"]);
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "processed", attempts: 1 });
  expect((await intentRow(p.intentId))!.state).toBe("provisioned");
});

test("each message is acked or retried on its own, with backoff by attempt", async () => {
  const failing = await paidPurchase("Retry Me Co");
  const fine = await paidPurchase("Fine Co");
  const ignored = failing.events.find((e) => !isActedOn(e.type))!;
  const restore = await failProvisioningFor(failing.customerId);
  let retried;
  try {
    const messages = [eventMessage(await verifiedEvent(failing.completed.id)), eventMessage(await verifiedEvent(fine.completed.id))];
    messages.push(eventMessage(await verifiedEvent(ignored.id)));
    const first = await runQueue(STRIPE_EVENTS_QUEUE, messages);
    expect(first.crashed).toBeNull();
    expect(first.acked.sort()).toEqual([messages[1]!.id, messages[2]!.id].sort());
    expect(first.retried.map((m) => m.id)).toEqual([messages[0]!.id]);
    expect(first.delays).toEqual({ [messages[0]!.id]: 30 });
    expect((await intentRow(fine.intentId))!.state).toBe("provisioned");
    expect(await inboxRow(ignored.id)).toMatchObject({ status: "ignored" });
    expect(await inboxRow(failing.completed.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: expect.stringContaining("injected outage"),
    });
    // The queue brings it back on its second and third attempts: still failing, waiting longer each time.
    const second = await redeliver(first.retried);
    const third = await redeliver(second.retried);
    expect([second.delays, third.delays]).toEqual([{ [messages[0]!.id]: 60 }, { [messages[0]!.id]: 120 }]);
    expect(await inboxRow(failing.completed.id)).toMatchObject({ status: "failed", attempts: 3 });
    retried = third.retried;
  } finally {
    await restore();
  }
  const fourth = await redeliver(retried);
  expect(fourth.acked).toHaveLength(1);
  expect(await inboxRow(failing.completed.id)).toMatchObject({ status: "processed", attempts: 4, error: null });
  expect((await intentRow(failing.intentId))!.state).toBe("provisioned");
  expect(await provisionedAudits(failing.intentId)).toBe(1);
});

test("a consumer that dies half-way through a batch loses nothing and duplicates nothing on redelivery", async () => {
  const purchases = [await paidPurchase("Crash A Co"), await paidPurchase("Crash B Co"), await paidPurchase("Crash C Co")];
  const events = purchases.flatMap((p) => p.events);
  const messages = await Promise.all(events.map(async (e) => eventMessage(await verifiedEvent(e.id))));
  const crashed = await runQueue(STRIPE_EVENTS_QUEUE, messages, env, { dieAfterAcks: Math.floor(messages.length / 2) });
  expect(crashed.crashed).toBeInstanceOf(Error);
  expect(crashed.acked.length).toBeLessThan(messages.length);
  // The platform brings back every message not acked.
  expect(crashed.retried.length).toBe(messages.length - crashed.acked.length);
  const again = await redeliver(crashed.retried);
  expect(again.crashed).toBeNull();
  expect(again.acked).toHaveLength(crashed.retried.length);
  const check = async () => {
    for (const p of purchases) {
      expect((await intentRow(p.intentId))!.state).toBe("provisioned");
      expect(await provisionedAudits(p.intentId)).toBe(1);
      const tenantId = (await intentRow(p.intentId))!.provisioned_tenant_id as string;
      const state = await tenantState(tenantId);
      expect(state.entitlements).toHaveLength(1);
      expect(state.seats).toHaveLength(1);
      expect(state.subscriptions).toHaveLength(1);
    }
    for (const e of events) {
      expect(await inboxRow(e.id), e.type).toMatchObject({ status: isActedOn(e.type) ? "processed" : "ignored", attempts: 1 });
    }
  };
  await check();
  // At-least-once delivery may bring the whole batch back too (acked ones included): still nothing twice.
  expect((await redeliver(messages)).acked).toHaveLength(messages.length);
  await check();
});

test("after its last retry an event is dead-lettered, shown in the admin inbox, and the admin's replay processes it", async () => {
  const maxRetries = Number(/queue = "gatehouse-stripe-events"\n[^[]*?max_retries = (\d+)/.exec(wranglerConfig)![1]);
  expect(maxRetries).toBeGreaterThan(0);
  const p = await paidPurchase("Dead Letter Co");
  const restore = await failProvisioningFor(p.customerId);
  let message = eventMessage(await verifiedEvent(p.completed.id));
  try {
    let run = await runQueue(STRIPE_EVENTS_QUEUE, [message]);
    for (let attempt = 2; attempt <= maxRetries + 1; attempt++) run = await redeliver(run.retried);
    expect(run.retried).toHaveLength(1);
    message = run.retried[0]!;
    expect(message.attempts).toBe(maxRetries + 1);
  } finally {
    await restore();
  }
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "failed", attempts: maxRetries + 1 });
  // The queue moves it to the dead-letter queue, whose consumer marks it.
  const dead = await runQueue(STRIPE_EVENTS_DLQ, [{ ...message, attempts: 1 }]);
  expect(dead.acked).toHaveLength(1);
  expect(await inboxRow(p.completed.id)).toMatchObject({
    status: "dead_lettered",
    attempts: maxRetries + 1,
    error: expect.stringContaining("injected outage"),
  });
  expect((await intentRow(p.intentId))!.state).toBe("paid");

  const admin = await systemAdmin();
  const inbox = await (await admin.agent.fetch("/admin/webhooks?status=dead_lettered")).text();
  expect(inbox).toContain(p.completed.id);
  expect(inbox).toContain("Replay");
  const replay = await admin.agent.fetch("/admin/webhooks", form({ eventId: p.completed.id }));
  expect(replay.status).toBe(200);
  expect((await intentRow(p.intentId))!.state).toBe("provisioned");
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "processed" });
  // A late dead letter does not undo the replay.
  await runQueue(STRIPE_EVENTS_DLQ, [{ ...message, id: "late-dead-letter", attempts: 1 }]);
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "processed" });
});

test("a dead letter whose failures could not be recorded is written to the inbox from the message, replayable", async () => {
  const p = await paidPurchase("Unrecorded Co");
  const message = eventMessage(await verifiedEvent(p.completed.id));
  const dead = await runQueue(STRIPE_EVENTS_DLQ, [message]);
  expect(dead.acked).toEqual([message.id]);
  const row = await inboxRow(p.completed.id);
  expect(row).toMatchObject({ status: "dead_lettered", attempts: 0 });
  expect(JSON.parse(row!.payload!)).toMatchObject({ id: p.completed.id });
  const admin = await systemAdmin();
  expect((await admin.agent.fetch("/admin/webhooks", form({ eventId: p.completed.id }))).status).toBe(200);
  expect((await intentRow(p.intentId))!.state).toBe("provisioned");
});

test("the events of a batch that no handler acts on are recorded in one D1 batch", async () => {
  let roundTrips = 0;
  let batched = 0;
  const counting = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          roundTrips++;
          batched += statements.length;
          return target.batch(statements);
        };
      if (prop === "prepare")
        return (query: string) => {
          const statement = target.prepare(query);
          const count = (s: D1PreparedStatement): D1PreparedStatement =>
            new Proxy(s, {
              get(t, k) {
                const v = Reflect.get(t, k) as unknown;
                if (k === "bind") return (...values: unknown[]) => count(t.bind(...values));
                if (typeof v === "function" && ["run", "all", "first", "raw"].includes(String(k)))
                  return (...args: unknown[]) => {
                    roundTrips++;
                    return (v as (...a: unknown[]) => unknown).apply(t, args);
                  };
                return typeof v === "function" ? (v as () => unknown).bind(t) : v;
              },
            });
          return count(statement);
        };
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as () => unknown).bind(target) : value;
    },
  });
  const unwrapEnv = { ...env, DB: counting } as Env;
  const stamp = Date.now().toString(36);
  const messages = Array.from({ length: 20 }, (_, i) =>
    eventMessage({
      id: `evt_unused_${stamp}_${i}`,
      type: i % 2 ? "customer.created" : "invoice.upcoming",
      created: Date.now(),
      objectId: `obj_${i}`,
      customerId: null,
      subscriptionId: null,
      payload: JSON.stringify({ id: `evt_unused_${stamp}_${i}` }),
    }),
  );
  const run = await runQueue(STRIPE_EVENTS_QUEUE, messages, unwrapEnv);
  expect(run.acked).toHaveLength(20);
  expect({ roundTrips, batched }).toEqual({ roundTrips: 1, batched: 20 });
  expect(await count("processed_webhook_events", "event_id LIKE ? AND status = 'ignored'", `evt_unused_${stamp}_%`)).toBe(20);
  // Delivered again: still one round trip, every one a duplicate.
  roundTrips = 0;
  expect((await redeliver(messages, STRIPE_EVENTS_QUEUE, unwrapEnv)).acked).toHaveLength(20);
  expect(roundTrips).toBe(1);
});

test("through the real local queue (wrangler.toml's consumer), a webhook's event reaches queue() and is processed", async () => {
  const p = await paidPurchase("Real Queue Co");
  const { payload, header } = await control.signEvent(p.completed.id);
  // Straight into the Worker with the real STRIPE_EVENTS binding: Miniflare's queue delivers the
  // batch on its own timer (max_batch_timeout), so this one test waits for it.
  const ctx = createExecutionContext();
  const res = await worker.fetch(webhookRequest(payload, header) as Parameters<typeof worker.fetch>[0], env, ctx);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  await vi.waitFor(async () => expect((await intentRow(p.intentId))!.state).toBe("provisioned"), { timeout: 15_000, interval: 100 });
  expect(await inboxRow(p.completed.id)).toMatchObject({ status: "processed", attempts: 1 });
  // And a redelivery through the factory's queue is a duplicate.
  expect((await deliver(p.completed.id)).status).toBe(200);
  expect(await provisionedAudits(p.intentId)).toBe(1);
});
