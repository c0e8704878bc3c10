import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { expect, test } from "vitest";
import worker from "../../app/worker";
import { runReconciliation } from "../../app/domain/jobs/reconcile.server";
import { createDb } from "../../app/infra/d1/db.server";
import { createStripeClient } from "../../app/infra/stripe/client.server";
import { createBillingGateway } from "../../app/infra/stripe/gateway.server";
import { control, deliverAll, eventsFor, intentRow, PRICE, startCheckout, tenantState } from "../factories/billing";
import { json, signedInAgent } from "../factories/http";
import { ownerWithOrganization, systemAdmin } from "../factories/tenants";

// The emulator holds every earlier test's events too; a previous successful run "just now" keeps
// each test's event window to its own events.
async function lastRunAt(ms: number) {
  await env.DB.prepare("INSERT INTO jobs (id, type, status, started_at, finished_at) VALUES (?, 'reconcile', 'succeeded', ?, ?)")
    .bind(`job_mark_${crypto.randomUUID().slice(0, 12)}`, ms, ms)
    .run();
}

const run = () =>
  runReconciliation({
    db: createDb(env.DB),
    gateway: createBillingGateway(() =>
      createStripeClient({ STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY, STRIPE_API_BASE: env.STRIPE_API_BASE }),
    ),
    graceDays: 7,
    appUrl: env.APP_URL,
    now: () => Date.now(),
    overlapMs: 0,
  });

test("dropped webhook deliveries are recovered by the job: the state matches in-order delivery, and a rerun changes nothing", async () => {
  await lastRunAt(Date.now() - 1000);
  const buyer = await signedInAgent();
  const checkout = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 3, organizationName: "Dropped Deliveries Co" });
  await control.setMode("drop");
  try {
    await control.pay(checkout.url, "pay");
  } finally {
    await control.setMode("deliver");
  }
  // Stripe "sent" them, but none reached the app.
  const dropped = await control.deliveries({ customer: checkout.customerId, status: "dropped" });
  expect(dropped.map((d) => d.type)).toContain("checkout.session.completed");
  expect((await intentRow(checkout.intentId))!.state).toBe("checkout_open");

  const first = await run();
  expect(first.status).toBe("succeeded");
  expect(first.counts!.eventsRecovered).toBeGreaterThanOrEqual(3);
  const intent = await intentRow(checkout.intentId);
  expect(intent!.state).toBe("provisioned");
  const state = await tenantState(intent!.provisioned_tenant_id as string);
  expect(state.memberships).toEqual([{ user_id: buyer.user.id, role: "owner", status: "active" }]);
  expect(state.subscriptions).toEqual([expect.objectContaining({ status: "active", quantity: 3 })]);
  expect(state.entitlements).toEqual([
    expect.objectContaining({ status: "active", quantity_seats: 3, source: "stripe_subscription", tier: "PRO" }),
  ]);
  expect(state.seats).toHaveLength(1);

  // Late deliveries of the same events change nothing; nor does a second run.
  await deliverAll((await eventsFor(checkout.customerId)).map((e) => e.id));
  const second = await run();
  expect(second.counts).toMatchObject({ eventsRecovered: 0, subscriptionsRepaired: 0 });
  expect(await tenantState(intent!.provisioned_tenant_id as string)).toEqual(state);
});

test("drift injected in D1 is repaired from Stripe and audited as the scheduler", async () => {
  const o = await ownerWithOrganization(4, "Drift Co");
  await lastRunAt(Date.now());
  const reference = await tenantState(o.tenant.id);
  await env.DB.batch([
    env.DB.prepare("UPDATE subscriptions SET quantity = 9, status = 'past_due' WHERE tenant_id = ?").bind(o.tenant.id),
    env.DB.prepare(
      "UPDATE tenant_product_entitlements SET quantity_seats = 9, status = 'past_due', grace_until = 1 WHERE tenant_id = ?",
    ).bind(o.tenant.id),
  ]);
  const result = await run();
  expect(result.counts!.subscriptionsRepaired).toBe(1);
  expect(await tenantState(o.tenant.id)).toEqual(reference);
  const audit = await env.DB.prepare(
    "SELECT action, actor_type, actor_id FROM audit_log WHERE tenant_id = ? AND actor_type = 'scheduler' ORDER BY id",
  )
    .bind(o.tenant.id)
    .all();
  expect(audit.results.map((r) => r.action)).toEqual(["entitlement.updated", "subscription.repaired"]);
  expect(audit.results.every((r) => r.actor_id === result.jobId)).toBe(true);
  expect((await run()).counts!.subscriptionsRepaired).toBe(0);
});

test("a run started while another holds the lease does nothing; an expired lease is taken over", async () => {
  await lastRunAt(Date.now());
  await env.DB.prepare("INSERT INTO jobs (id, type, status, started_at, lease_until) VALUES ('job_held', 'reconcile', 'running', ?, ?)")
    .bind(Date.now(), Date.now() + 60_000)
    .run();
  const jobs = async () => (await env.DB.prepare("SELECT count(*) AS n FROM jobs").first<{ n: number }>())!.n;
  const before = await jobs();
  const skipped = await run();
  expect(skipped).toEqual({ jobId: null, status: "skipped" });
  expect(await jobs()).toBe(before);
  await env.DB.prepare("UPDATE jobs SET lease_until = ? WHERE id = 'job_held'")
    .bind(Date.now() - 1)
    .run();
  const next = await run();
  expect(next.status).toBe("succeeded");
  const held = await env.DB.prepare("SELECT status FROM jobs WHERE id = 'job_held'").first<{ status: string }>();
  expect(held!.status).toBe("failed");
});

test("abandoned checkouts expire and lapsed grants end, audited", async () => {
  await lastRunAt(Date.now());
  const buyer = await signedInAgent();
  const open = await startCheckout(buyer.agent, { priceId: PRICE.pro, quantity: 1, organizationName: "Abandoned Co" });
  await env.DB.prepare("UPDATE purchase_intents SET expires_at = ? WHERE id = ?")
    .bind(Date.now() - 1000, open.intentId)
    .run();

  const o = await ownerWithOrganization(1, "Lapsed Grant Co");
  const admin = await systemAdmin();
  const grant = await admin.agent.fetch(
    "/api/admin/grants",
    json({ tenantId: o.tenant.id, productKey: "accelerator", reason: "Time-limited gift" }),
  );
  const { entitlementId } = (await grant.json()) as { entitlementId: string };
  await env.DB.prepare("UPDATE tenant_product_entitlements SET valid_until = ? WHERE id = ?")
    .bind(Date.now() - 1000, entitlementId)
    .run();

  const result = await run();
  expect(result.counts).toMatchObject({ intentsExpired: 1, entitlementsEnded: 1 });
  expect((await intentRow(open.intentId))!.state).toBe("expired");
  const ent = await env.DB.prepare("SELECT status FROM tenant_product_entitlements WHERE id = ?")
    .bind(entitlementId)
    .first<{ status: string }>();
  expect(ent!.status).toBe("expired");
  const audit = await env.DB.prepare("SELECT actor_type FROM audit_log WHERE target_id = ? AND action = 'entitlement.expired'")
    .bind(entitlementId)
    .first();
  expect(audit!.actor_type).toBe("scheduler");
});

test("the Worker's scheduled() handler runs the job and records it", async () => {
  await lastRunAt(Date.now());
  // The cron runs reconciliation and then the version feed job (ADR 008): one succeeded run of each.
  const succeeded = async (type: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE status = 'succeeded' AND type = ?").bind(type).first<{ n: number }>())!.n;
  const before = await succeeded("reconcile");
  const feedsBefore = await succeeded("version_feed");
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
  expect(await succeeded("reconcile")).toBe(before + 1);
  expect(await succeeded("version_feed")).toBe(feedsBefore + 1);
  const admin = await systemAdmin();
  const page = await (await admin.agent.fetch("/admin/jobs")).text();
  expect(page).toContain("reconcile");
  expect(page).toContain("succeeded");
});
