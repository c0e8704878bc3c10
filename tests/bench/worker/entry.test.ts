import { env } from "cloudflare:test";
import { expect, test, vi } from "vitest";
import { agent, sendRequestsTo, signedInAgent } from "../../factories/http";
import { provisionedTenant } from "../../factories/provisioned";
import {
  BACKLOG_MAX_EVENTS,
  BENCH_QUEUE_SEND_PATH,
  BENCH_READ_BODY_PATH,
  BENCH_QUEUE_SINK_BINDING,
  BENCH_UNCHECKED_LESSON_PREFIX,
  D1_QUERIES_HEADER,
  D1_ROUND_TRIPS_HEADER,
  D1_WAIT_HEADER,
  D1_WRITE_EVENT_TYPE,
} from "../hooks";
import entry from "./entry";
import { catalogChanged } from "../../../app/domain/catalog/catalog-version.server";

// This project's requests go into the bench entry (its `main`), not straight into the app.
sendRequestsTo(entry);

// What the bench reads from its entry: the ceilings, D1 counts on every answer, and the lesson
// without its access check. (That none of it is in the production Worker: tests/integration/worker-shape.test.ts.)
const LESSON = "foundations/pay-first";
const LESSON_TEXT = "Never create an account, a team or a licence before the money is confirmed";
const rendered = async (res: Response) => (await res.text()).replace(/<!-- -->/g, "");
const benchWrites = () =>
  env.DB.prepare("SELECT count(*) AS n FROM processed_webhook_events WHERE type = ?").bind(D1_WRITE_EVENT_TYPE).first<{ n: number }>();

test("the ceilings answer before the app, each with its D1 statement counted", async () => {
  const bare = await agent().fetch("/__bench/bare");
  expect(bare.status).toBe(200);
  expect(await bare.text()).toBe("ok");
  expect(bare.headers.get(D1_QUERIES_HEADER)).toBe("0");
  expect(bare.headers.get(D1_ROUND_TRIPS_HEADER)).toBe("0");
  // No security headers: the app never ran.
  expect(bare.headers.get("Content-Security-Policy")).toBeNull();

  const read = await agent().fetch("/__bench/d1-read");
  expect(await read.text()).toBe("ok");
  expect(read.headers.get(D1_QUERIES_HEADER)).toBe("1");
  expect(read.headers.get(D1_ROUND_TRIPS_HEADER)).toBe("1");

  expect(await benchWrites()).toEqual({ n: 0 });
  const write = await agent().fetch("/__bench/d1-write", { method: "POST" });
  expect(await write.text()).toBe("ok");
  expect(write.headers.get(D1_QUERIES_HEADER)).toBe("1");
  expect(await benchWrites()).toEqual({ n: 1 });
});

test("the read-body ceiling reads a posted body whole and sends nothing, to any queue", async () => {
  const sink = (env as unknown as Record<typeof BENCH_QUEUE_SINK_BINDING, Queue>)[BENCH_QUEUE_SINK_BINDING];
  const sent = vi.spyOn(sink, "send");
  const appQueue = vi.spyOn(env.STRIPE_EVENTS, "send");
  try {
    const chunks = ['{"id":"evt_read",', '"type":"customer.created"}'];
    let pulled = 0;
    // A streamed body: the ceiling answers only once it has pulled every chunk.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[pulled++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(chunk));
      },
    });
    const res = await agent().fetch(BENCH_READ_BODY_PATH, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    expect(res.headers.get(D1_QUERIES_HEADER)).toBe("0");
    expect(pulled).toBe(chunks.length + 1);
    expect(sent).not.toHaveBeenCalled();
    expect(appQueue).not.toHaveBeenCalled();
  } finally {
    sent.mockRestore();
    appQueue.mockRestore();
  }
});

test("the one-queue-send ceiling sends the posted body as one message to the bench's own queue, never the app's", async () => {
  const sink = (env as unknown as Record<typeof BENCH_QUEUE_SINK_BINDING, Queue>)[BENCH_QUEUE_SINK_BINDING];
  const sent = vi.spyOn(sink, "send");
  const appQueue = vi.spyOn(env.STRIPE_EVENTS, "send");
  try {
    const body = JSON.stringify({ id: "evt_sink", type: "customer.created" });
    const res = await agent().fetch(BENCH_QUEUE_SEND_PATH, { method: "POST", body });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    expect(res.headers.get(D1_QUERIES_HEADER)).toBe("0");
    expect(sent.mock.calls).toEqual([[{ kind: "event", payload: body }]]);
    expect(appQueue).not.toHaveBeenCalled();
  } finally {
    sent.mockRestore();
    appQueue.mockRestore();
  }
});

test("the app's answers carry their D1 statement count and wait", async () => {
  // Anonymous pricing is edge-cached (issue 18): a miss reads the catalog version and the catalog,
  // a hit nothing (the isolate trusts the version it read: ADR 025).
  await env.DB.prepare("UPDATE products SET name = name WHERE id = 'prd_organization'").run();
  catalogChanged();
  // The clock held still until the hit, so the version read by the miss is trusted however slow the run.
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  const pricing = await agent().fetch("/api/public/pricing");
  expect(pricing.status).toBe(200);
  expect(pricing.headers.get("Content-Security-Policy")).not.toBeNull();
  expect([pricing.headers.get("X-Cache"), pricing.headers.get(D1_QUERIES_HEADER)]).toEqual(["MISS", "2"]);
  expect(Number(pricing.headers.get(D1_WAIT_HEADER))).toBeGreaterThanOrEqual(0);
  const cached = await agent().fetch("/api/public/pricing");
  vi.useRealTimers();
  expect([cached.headers.get("X-Cache"), cached.headers.get(D1_QUERIES_HEADER)]).toEqual(["HIT", "0"]);
  // Signed out, the lesson redirects to login after reading no more than the (absent) session.
  const anonymous = await agent().fetch(`${BENCH_UNCHECKED_LESSON_PREFIX}${LESSON}`);
  expect(anonymous.status).toBe(302);
});

test("the unchecked lesson is the app's lesson minus exactly the access query and decision", async () => {
  // Without Accelerator the app refuses the lesson; the bench's copy still renders it: no access check.
  const { agent: reader } = await signedInAgent();
  const checked = await reader.fetch(`/accelerator/${LESSON}`);
  expect(checked.status).toBe(403);
  expect(await rendered(checked)).not.toContain(LESSON_TEXT);
  const unchecked = await reader.fetch(`${BENCH_UNCHECKED_LESSON_PREFIX}${LESSON}`);
  expect(unchecked.status).toBe(200);
  expect(await rendered(unchecked)).toContain(LESSON_TEXT);
  // The session and the lesson.
  expect(unchecked.headers.get(D1_QUERIES_HEADER)).toBe("2");

  // For a user the app lets in (a system admin), both render the same page, one query apart.
  const { agent: admin, user } = await signedInAgent();
  // Admin rights count only with a verified address (ADR 010).
  await env.DB.prepare("UPDATE users SET is_system_admin = 1, email_verified_at = ? WHERE id = ?").bind(Date.now(), user.id).run();
  const gated = await admin.fetch(`/accelerator/${LESSON}`);
  const free = await admin.fetch(`${BENCH_UNCHECKED_LESSON_PREFIX}${LESSON}`);
  expect([gated.status, free.status]).toEqual([200, 200]);
  const [gatedHtml, freeHtml] = [await rendered(gated), await rendered(free)];
  expect(freeHtml).toContain(LESSON_TEXT);
  // Same page apart from the per-response CSP nonce.
  const withoutNonce = (html: string) => html.replace(/nonce="[^"]*"/g, "");
  expect(withoutNonce(freeHtml)).toBe(withoutNonce(gatedHtml));
  expect(Number(gated.headers.get(D1_QUERIES_HEADER)) - Number(free.headers.get(D1_QUERIES_HEADER))).toBe(1);

  // The checked lesson is still checked after the bench's request: the skip never leaks.
  expect((await reader.fetch(`/accelerator/${LESSON}`)).status).toBe(403);
});

test("round trips: a batch is one whatever its size, each statement outside a batch is one", async () => {
  // /api/me sends the session lookup, the access statement and its memberships as one batch.
  const { agent: user } = await signedInAgent();
  const me = await user.fetch("/api/me");
  expect(me.status).toBe(200);
  expect([me.headers.get(D1_QUERIES_HEADER), me.headers.get(D1_ROUND_TRIPS_HEADER)]).toEqual(["3", "1"]);
  // /account: the same batch with the pending email change.
  const account = await user.fetch("/account");
  expect(account.status).toBe(200);
  expect([account.headers.get(D1_QUERIES_HEADER), account.headers.get(D1_ROUND_TRIPS_HEADER)]).toEqual(["3", "1"]);
  // The unchecked lesson looks the session up with the lesson, without the access statement: two statements, one round trip.
  const unchecked = await user.fetch(`${BENCH_UNCHECKED_LESSON_PREFIX}${LESSON}`);
  expect([unchecked.headers.get(D1_QUERIES_HEADER), unchecked.headers.get(D1_ROUND_TRIPS_HEADER)]).toEqual(["2", "1"]);
});

test("an Accelerator lesson is one D1 round trip: session, access and the lesson in one batch", async () => {
  const { agent: admin, user } = await signedInAgent();
  await env.DB.prepare("UPDATE users SET is_system_admin = 1, email_verified_at = ? WHERE id = ?").bind(Date.now(), user.id).run();
  const lesson = await admin.fetch(`/accelerator/${LESSON}`);
  expect(lesson.status).toBe(200);
  expect(await rendered(lesson)).toContain(LESSON_TEXT);
  expect([lesson.headers.get(D1_QUERIES_HEADER), lesson.headers.get(D1_ROUND_TRIPS_HEADER)]).toEqual(["3", "1"]);
  // A lesson that does not exist: the same round trip, then 404.
  const missing = await admin.fetch("/accelerator/foundations/no-such-lesson");
  expect(missing.status).toBe(404);
  expect([missing.headers.get(D1_QUERIES_HEADER), missing.headers.get(D1_ROUND_TRIPS_HEADER)]).toEqual(["3", "1"]);
});

test("/dashboard is one D1 round trip: session, access and all of the page's reads in one batch", async () => {
  // An owner with an Organization plan and seats: memberships, plans, clients, invitations, downloads.
  const { owner } = await provisionedTenant({ seats: 3 });
  // The first page view hands back the D1 bookmark (ADR 021); the second reads through it, as a browser does.
  for (let view = 0; view < 2; view++) {
    const res = await owner.agent.fetch("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get(D1_ROUND_TRIPS_HEADER)).toBe("1");
    expect(res.headers.get(D1_QUERIES_HEADER)).toBe("7");
  }
  expect(owner.agent.bookmark).not.toBeNull();
});

test("the organisation's roadmap is one D1 round trip: session, access, membership and roadmap", async () => {
  const { owner, tenant } = await provisionedTenant({ seats: 2 });
  const res = await owner.agent.fetch(`/org/${tenant.slug}/roadmap`);
  expect(res.status).toBe(200);
  expect([res.headers.get(D1_QUERIES_HEADER), res.headers.get(D1_ROUND_TRIPS_HEADER)]).toEqual(["4", "1"]);
  // Not a member: the same one round trip, then 404.
  const { agent: outsider } = await signedInAgent();
  const refused = await outsider.fetch(`/org/${tenant.slug}/roadmap`);
  expect(refused.status).toBe(404);
  expect(refused.headers.get(D1_ROUND_TRIPS_HEADER)).toBe("1");
});

// A customer.created event as Stripe sends it (a type the app records and ignores).
const customerCreated = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: "evt_template",
    object: "event",
    type: "customer.created",
    created: 1,
    livemode: false,
    data: { object: { id: "cus_backlog", object: "customer", email: "backlog@example.test", ...extra } },
  });
const backlog = (body: unknown) =>
  agent().fetch("/__bench/queue/backlog", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const inboxRows = () => env.DB.prepare("SELECT count(*) AS n FROM processed_webhook_events").first<{ n: number }>();

test("the queue backlog goes into the app's queue as the app's own messages, and its consumer records every one", async () => {
  const res = await backlog({ prefix: "evt_benchqa", count: 250, template: customerCreated() });
  expect(res.status).toBe(200);
  // Chunks of at most 100 messages per sendBatch.
  expect(await res.json()).toMatchObject({ enqueued: 250, sends: 3 });
  // The request has been through the app's queue() (tests/factories/queue.ts): the bench's inbox route sees them all.
  const inbox = await agent().fetch("/__bench/inbox?prefix=evt_benchqa");
  expect(await inbox.json()).toMatchObject({ done: 250 });
  const rows = await env.DB.prepare(
    "SELECT event_id AS id, type, status, object_id AS objectId, payload FROM processed_webhook_events WHERE event_id LIKE 'evt_benchqa%' ORDER BY event_id",
  ).all<{ id: string; type: string; status: string; objectId: string; payload: string }>();
  expect(new Set(rows.results.map((r) => r.id)).size).toBe(250);
  for (const r of rows.results) {
    expect([r.type, r.status, r.objectId]).toEqual(["customer.created", "ignored", "cus_backlog"]);
    // Each row carries its own copy of the event, under its own id.
    expect((JSON.parse(r.payload) as { id: string }).id).toBe(r.id);
  }
});

test("the queue backlog keeps each sendBatch under the queue's 256 KB", async () => {
  // ~5 KB events: 100 of them would be ~500 KB in one sendBatch.
  const res = await backlog({ prefix: "evt_benchqb", count: 100, template: customerCreated({ description: "x".repeat(5000) }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { enqueued: number; sends: number };
  expect(body.enqueued).toBe(100);
  expect(body.sends).toBeGreaterThanOrEqual(2);
  expect(await (await agent().fetch("/__bench/inbox?prefix=evt_benchqb")).json()).toMatchObject({ done: 100 });
});

test("the queue backlog refuses other ids, events the app acts on and unreadable templates, enqueueing nothing", async () => {
  const before = await inboxRows();
  const refusals = [
    { prefix: "evt_storm1", count: 1, template: customerCreated() },
    { prefix: "evt_benchq-1", count: 1, template: customerCreated() },
    { prefix: "evt_benchqc", count: BACKLOG_MAX_EVENTS + 1, template: customerCreated() },
    { prefix: "evt_benchqc", count: 1, template: customerCreated().replace("customer.created", "customer.subscription.updated") },
    { prefix: "evt_benchqc", count: 1, template: JSON.stringify({ type: "customer.created" }) },
    { prefix: "evt_benchqc", count: 1, template: "not json" },
  ];
  for (const body of refusals) {
    const res = await backlog(body);
    expect(res.status, JSON.stringify(body)).toBe(400);
  }
  expect(await inboxRows()).toEqual(before);
});
