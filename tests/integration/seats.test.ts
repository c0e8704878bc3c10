import { abortAllDurableObjects, env } from "cloudflare:test";
import { expect, test } from "vitest";
import { control, deliverAll, eventsFor, stripe, tenantState } from "../factories/billing";
import { form, json, signedInAgent, verifiedAgent, pageText } from "../factories/http";
import {
  activeSeats,
  allocator,
  auditActions,
  auditCount,
  bulkMembers,
  capacityOf,
  complianceOf,
  maxConcurrentOperations,
  userActor,
} from "../factories/seats";
import { provisionedTenant } from "../factories/provisioned";
import { addMember, ownerWithOrganization } from "../factories/tenants";

// Seats: one SeatAllocator Durable Object per tenant serializes every change; D1 holds the seats
// and its trigger refuses an over-allocation as a second wall.

test("200 concurrent assign calls for a tenant with 10 seats give exactly 10 seats, all decided by the allocator", async () => {
  const org = await provisionedTenant({ seats: 10, name: "Race Ten" });
  const users = await bulkMembers(org.tenant.id, 200);
  const stub = allocator(org.tenant.id);
  const actor = userActor(org.owner.user.id);
  const results = await Promise.all(users.map((userId) => stub.assign({ tenantId: org.tenant.id, userId, actor })));
  const ok = results.filter((r) => r.ok);
  const refused = results.filter((r) => !r.ok);
  expect(ok).toHaveLength(9); // the owner already holds the tenth
  expect(refused).toHaveLength(191);
  for (const r of refused)
    expect(r).toMatchObject({ code: "no_seats_available", status: 409, message: "All 10 seats are taken: buy more or release one." });
  // The database wall never had to act: the queue decided every one of them.
  expect(refused.filter((r) => (r as { details?: { wall?: string } }).details?.wall === "database")).toEqual([]);
  expect(await activeSeats(org.tenant.id)).toHaveLength(10);
  expect(await maxConcurrentOperations(org.tenant.id)).toBe(1);
  expect(await stub.snapshot()).toEqual({ tenantId: org.tenant.id, operations: 200 });
  expect(await auditActions(org.tenant.id, "seat.assigned")).toHaveLength(10); // 1 owner seat at provisioning + 9
}, 120_000);

test("the same race over HTTP: 60 concurrent POST /api/orgs/:slug/seats with 5 seats", async () => {
  const org = await provisionedTenant({ seats: 5, name: "Race Http" });
  const users = await bulkMembers(org.tenant.id, 60);
  const responses = await Promise.all(
    users.map((userId) =>
      org.owner.agent
        .fetch(`/api/orgs/${org.tenant.slug}/seats`, json({ userId }))
        .then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } })),
    ),
  );
  expect(responses.filter((r) => r.status === 200)).toHaveLength(4);
  const conflicts = responses.filter((r) => r.status === 409);
  expect(conflicts).toHaveLength(56);
  expect(conflicts.every((r) => r.body.error === "no_seats_available")).toBe(true);
  expect(await activeSeats(org.tenant.id)).toHaveLength(5);
  const summary = (await (await org.owner.agent.fetch(`/api/orgs/${org.tenant.slug}/seats`)).json()) as { capacity: number; used: number };
  expect(summary).toMatchObject({ capacity: 5, used: 5 });
}, 120_000);

test("interleaved assign, release and setCapacity keep active seats within capacity at every step", async () => {
  const org = await provisionedTenant({ seats: 6, name: "Interleave" });
  const users = await bulkMembers(org.tenant.id, 30);
  const stub = allocator(org.tenant.id);
  const actor = userActor(org.owner.user.id);
  const tenantId = org.tenant.id;
  // A deterministic mix: assigns, releases of whoever, capacity moving between 3 and 12.
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const ops = Array.from({ length: 240 }, () => {
    const kind = rand(10);
    const userId = users[rand(users.length)]!;
    if (kind < 5) return () => stub.assign({ tenantId, userId, actor });
    if (kind < 8) return () => stub.release({ tenantId, userId, actor, actorRole: "owner" });
    return () => stub.setCapacity({ tenantId, quantity: 3 + rand(10), actor });
  });
  const violations: string[] = [];
  // A watcher reads D1 while the operations run: the invariant must hold at every moment, not only at the end.
  let running = true;
  const watcher = (async () => {
    while (running) {
      const row = await env.DB.prepare(
        `SELECT e.quantity_seats AS cap, (SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = e.id AND s.released_at IS NULL) AS used
           FROM tenant_product_entitlements e WHERE e.tenant_id = ?`,
      )
        .bind(tenantId)
        .first<{ cap: number; used: number }>();
      if (row && row.used > row.cap) violations.push(`${row.used} > ${row.cap}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const results = await Promise.all(ops.map((op) => op()));
  running = false;
  await watcher;
  expect(violations).toEqual([]);
  const seats = await activeSeats(tenantId);
  expect(seats.length).toBeLessThanOrEqual(await capacityOf(tenantId));
  expect(new Set(seats).size).toBe(seats.length);
  // Refusals were the rules' (seats taken, nothing to release, capacity below seats in use), never a crash.
  const codes = new Set(results.filter((r) => !r.ok).map((r) => (r as unknown as { code: string }).code));
  for (const c of codes) expect(["no_seats_available", "no_seat", "seats_in_use", "over_limit"]).toContain(c);
  expect(await complianceOf(tenantId)).toBe("ok");
  expect(await maxConcurrentOperations(tenantId)).toBe(1);
}, 120_000);

test("a restarted allocator loses nothing: D1 holds the seats", async () => {
  const org = await provisionedTenant({ seats: 4, name: "Restart" });
  const users = await bulkMembers(org.tenant.id, 5);
  const actor = userActor(org.owner.user.id);
  const tenantId = org.tenant.id;
  expect(await allocator(tenantId).assign({ tenantId, userId: users[0]!, actor })).toMatchObject({ ok: true, seatsUsed: 2 });
  expect(await allocator(tenantId).assign({ tenantId, userId: users[1]!, actor })).toMatchObject({ ok: true, seatsUsed: 3 });
  await abortAllDurableObjects();
  // A fresh stub on a fresh instance: it sees the three seats and gives away only the last one.
  const fresh = allocator(tenantId);
  expect(await fresh.snapshot()).toEqual({ tenantId, operations: 2 });
  expect(await fresh.assign({ tenantId, userId: users[2]!, actor })).toMatchObject({ ok: true, seatsUsed: 4 });
  expect(await fresh.assign({ tenantId, userId: users[3]!, actor })).toMatchObject({ ok: false, code: "no_seats_available" });
  expect(await fresh.assign({ tenantId, userId: users[0]!, actor })).toEqual({ ok: true, changed: false, seatsUsed: 4, capacity: 4 });
  expect(await activeSeats(tenantId)).toHaveLength(4);
});

test("the database refuses an over-allocation on its own (second wall)", async () => {
  const org = await provisionedTenant({ seats: 1, name: "Second Wall" });
  const [userId] = await bulkMembers(org.tenant.id, 1);
  const ent = (await env.DB.prepare("SELECT id FROM tenant_product_entitlements WHERE tenant_id = ?")
    .bind(org.tenant.id)
    .first<{ id: string }>())!;
  await expect(
    env.DB.prepare(
      "INSERT INTO tenant_entitlement_seat_assignments (id, entitlement_id, tenant_id, user_id, assigned_at) VALUES ('seat_wall', ?, ?, ?, 1)",
    )
      .bind(ent.id, org.tenant.id, userId)
      .run(),
  ).rejects.toThrow(/seat_limit_exceeded/);
});

test("join by code, approve with a seat, approve with none left is a 409 that leaves the request pending", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Joinable" });
  const code = (await env.DB.prepare("SELECT join_code FROM tenants WHERE id = ?").bind(org.tenant.id).first<{ join_code: string }>())!
    .join_code;
  const alice = await signedInAgent();
  const bob = await signedInAgent();
  expect((await alice.agent.fetch("/join", form({ code: code.toLowerCase() }))).status).toBe(200);
  expect((await bob.agent.fetch("/join", form({ code }))).status).toBe(200);
  // Wrong codes are a clear 4xx.
  expect((await bob.agent.fetch("/join", form({ code: "ZZZZZZZZ" }))).status).toBe(404);
  expect((await bob.agent.fetch("/join", form({ code: "short" }))).status).toBe(422);
  const members = `/org/${org.tenant.slug}/members`;
  // A pending member is not a member yet: no members page, no dashboard data about seats.
  expect((await alice.agent.fetch(members)).status).toBe(404);

  const approveAlice = await org.owner.agent.fetch(members, form({ intent: "approve", userId: alice.user.id }));
  expect(approveAlice.status).toBe(200);
  expect((await activeSeats(org.tenant.id)).sort()).toEqual([alice.user.id, org.owner.user.id].sort());
  const approveBob = await org.owner.agent.fetch(members, form({ intent: "approve", userId: bob.user.id }));
  expect(approveBob.status).toBe(409);
  expect(await approveBob.text()).toContain("All 2 seats are taken: buy more or release one.");
  const bobRow = await env.DB.prepare("SELECT status FROM tenant_memberships WHERE tenant_id = ? AND user_id = ?")
    .bind(org.tenant.id, bob.user.id)
    .first<{ status: string }>();
  expect(bobRow!.status).toBe("pending");
  const approvals = await auditActions(org.tenant.id, "membership.approved");
  expect(approvals).toEqual([
    {
      actor_type: "user",
      actor_id: org.owner.user.id,
      before: { status: "pending", role: "member" },
      after: { status: "active", role: "member" },
    },
  ]);
  // Releasing a seat makes room; then Bob's approval goes through.
  expect((await org.owner.agent.fetch(`/api/orgs/${org.tenant.slug}/seats/${alice.user.id}`, { method: "DELETE" })).status).toBe(200);
  expect((await org.owner.agent.fetch(members, form({ intent: "approve", userId: bob.user.id }))).status).toBe(200);
  // Rejecting: a new request, rejected, is removed.
  const carol = await signedInAgent();
  await carol.agent.fetch("/join", form({ code }));
  expect((await org.owner.agent.fetch(members, form({ intent: "reject", userId: carol.user.id }))).status).toBe(200);
  expect(await auditActions(org.tenant.id, "membership.rejected")).toHaveLength(1);
});

test("removing a member releases their seat; the last owner can be neither removed nor demoted", async () => {
  const org = await provisionedTenant({ seats: 3, name: "Removals" });
  const admin = await addMember(org.tenant.id, { role: "admin", seat: true });
  const member = await addMember(org.tenant.id, { seat: true });
  const page = `/org/${org.tenant.slug}/members`;
  expect((await admin.agent.fetch(page, form({ intent: "remove", userId: member.user.id }))).status).toBe(200);
  expect(await activeSeats(org.tenant.id)).not.toContain(member.user.id);
  expect((await auditActions(org.tenant.id, "seat.released"))[0]).toMatchObject({
    actor_id: admin.user.id,
    before: { hasSeat: true },
    after: { hasSeat: false },
  });
  // An admin cannot remove or demote the owner; the owner cannot remove or demote themself as the last one.
  expect((await admin.agent.fetch(page, form({ intent: "remove", userId: org.owner.user.id }))).status).toBe(403);
  expect((await org.owner.agent.fetch(page, form({ intent: "remove", userId: org.owner.user.id }))).status).toBe(409);
  const demote = await org.owner.agent.fetch(page, form({ intent: "role", userId: org.owner.user.id, role: "member" }));
  expect(demote.status).toBe(409);
  expect(await demote.text()).toContain("The last owner cannot be demoted");
  // With a second owner, the first may step down.
  expect((await org.owner.agent.fetch(page, form({ intent: "role", userId: admin.user.id, role: "owner" }))).status).toBe(200);
  const stepDown = await org.owner.agent.fetch(page, form({ intent: "role", userId: org.owner.user.id, role: "member" }));
  expect(stepDown.status).toBe(302);
  expect(stepDown.headers.get("Location")).toBe("/dashboard");
  expect(await auditActions(org.tenant.id, "membership.role_changed")).toHaveLength(2);
});

test("invitations by email: the invitee sees and accepts it, nobody else can", async () => {
  // One seat, the owner's: the invitee joins without one (seatless-managers.test.ts has the free-seat case).
  const org = await provisionedTenant({ seats: 1, name: "Inviters" });
  const page = `/org/${org.tenant.slug}/members`;
  const email = `invitee-${Date.now()}@example.com`;
  expect((await org.owner.agent.fetch(page, form({ intent: "invite", email: email.toUpperCase(), role: "member" }))).status).toBe(200);
  expect((await org.owner.agent.fetch(page, form({ intent: "invite", email, role: "member" }))).status).toBe(409);
  expect((await org.owner.agent.fetch(page, form({ intent: "invite", email: "not-an-email", role: "member" }))).status).toBe(422);
  expect((await org.owner.agent.fetch(page, form({ intent: "invite", email: "x@example.com", role: "owner" }))).status).toBe(422);
  const inv = (await env.DB.prepare("SELECT id FROM tenant_invitations WHERE email = ?").bind(email).first<{ id: string }>())!;
  // A verified stranger: the invitation is not theirs (unverified addresses are refused earlier, see identity.test.ts).
  const stranger = await verifiedAgent();
  expect((await stranger.agent.fetch("/invitations", form({ invitationId: inv.id, intent: "accept" }))).status).toBe(404);
  expect(await (await stranger.agent.fetch("/invitations")).text()).not.toContain("Inviters");
  const invitee = await verifiedAgent(email);
  expect(await (await invitee.agent.fetch("/dashboard")).text()).toContain("Inviters");
  expect((await invitee.agent.fetch("/invitations", form({ invitationId: inv.id, intent: "accept" }))).status).toBe(200);
  const m = await env.DB.prepare("SELECT role, status FROM tenant_memberships WHERE tenant_id = ? AND user_id = ?")
    .bind(org.tenant.id, invitee.user.id)
    .first();
  expect(m).toEqual({ role: "member", status: "active" });
  // Accepting twice does nothing more.
  expect((await invitee.agent.fetch("/invitations", form({ invitationId: inv.id, intent: "accept" }))).status).toBe(404);
  // No seat yet: their dashboard says they need one.
  expect((await invitee.agent.fetch("/dashboard")).status).toBe(200);
  const dash = (await (await invitee.agent.fetch("/dashboard")).text()).replace(/<!-- -->/g, "");
  expect(dash).toContain("you do not have a seat yet");
});

test("bad input gets a clear 4xx and changes nothing", async () => {
  const org = await provisionedTenant({ seats: 3, name: "Bad Input" });
  const other = await provisionedTenant({ seats: 3, name: "Other Tenant" });
  const member = await addMember(org.tenant.id);
  const outsider = await signedInAgent();
  const api = `/api/orgs/${org.tenant.slug}/seats`;
  const before = { state: await tenantState(org.tenant.id), audit: await auditCount(org.tenant.id) };
  const cases: [string, Promise<Response>, number][] = [
    ["unknown user", org.owner.agent.fetch(api, json({ userId: "usr_does_not_exist" })), 404],
    ["other tenant's user", org.owner.agent.fetch(api, json({ userId: other.owner.user.id })), 404],
    ["garbage JSON", org.owner.agent.fetch(api, json("{not json")), 400],
    ["wrong shape", org.owner.agent.fetch(api, json({ userId: 42 })), 422],
    ["extra fields", org.owner.agent.fetch(api, json({ userId: member.user.id, seats: 5 })), 422],
    ["empty body", org.owner.agent.fetch(api, json("")), 400],
    ["array body", org.owner.agent.fetch(api, json([member.user.id])), 422],
    ["huge id", org.owner.agent.fetch(api, json({ userId: "x".repeat(10_000) })), 422],
    ["plain member assigning", member.agent.fetch(api, json({ userId: member.user.id })), 403],
    ["outsider assigning", outsider.agent.fetch(api, json({ userId: member.user.id })), 404],
    ["other tenant's owner", other.owner.agent.fetch(api, json({ userId: member.user.id })), 404],
    ["unknown tenant", org.owner.agent.fetch("/api/orgs/no-such-org/seats", json({ userId: member.user.id })), 404],
    ["release without a seat", org.owner.agent.fetch(`${api}/${member.user.id}`, { method: "DELETE" }), 404],
    ["release of a non-member", org.owner.agent.fetch(`${api}/${other.owner.user.id}`, { method: "DELETE" }), 404],
    ["release by a member", member.agent.fetch(`${api}/${org.owner.user.id}`, { method: "DELETE" }), 403],
    ["wrong method", org.owner.agent.fetch(api, { method: "PUT" }), 405],
    ["GET on a release", org.owner.agent.fetch(`${api}/${member.user.id}`), 405],
    ["members page form garbage", org.owner.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "explode" })), 422],
    [
      "members page: other tenant's user",
      org.owner.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "assign", userId: other.owner.user.id })),
      404,
    ],
    [
      "members page as plain member",
      member.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "assign", userId: member.user.id })),
      403,
    ],
    ["invitation garbage", member.agent.fetch("/invitations", form({ invitationId: "", intent: "accept" })), 422],
  ];
  for (const [name, res, status] of cases) {
    const r = await res;
    expect(r.status, name).toBe(status);
    expect(r.status, name).toBeLessThan(500);
  }
  const signedOut = await fetchSignedOut(api);
  expect(signedOut).toBe(401);
  expect(await tenantState(org.tenant.id)).toEqual(before.state);
  expect(await auditCount(org.tenant.id)).toBe(before.audit);
  // The page loaders check authorization themselves too.
  expect((await member.agent.fetch(`/org/${org.tenant.slug}/members`)).status).toBe(403);
  expect((await member.agent.fetch(`/org/${org.tenant.slug}/members.data`)).status).toBe(403);
  expect((await outsider.agent.fetch(`/org/${org.tenant.slug}/members`)).status).toBe(404);
  expect((await other.owner.agent.fetch(`/org/${org.tenant.slug}/members.data`)).status).toBe(404);
});

async function fetchSignedOut(path: string): Promise<number> {
  const { agent } = await import("../factories/http");
  return (await agent().fetch(path, json({ userId: "x" }))).status;
}

test("Stripe lowering the quantity below the assigned seats marks the tenant over its licence, in any event order", async () => {
  const org = await ownerWithOrganization(3, "Portal Shrink");
  await addMember(org.tenant.id, { seat: true });
  await addMember(org.tenant.id, { seat: true });
  const [waiting] = await bulkMembers(org.tenant.id, 1);
  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  // As the billing portal would: straight in Stripe, around the app.
  const sub = await stripe().subscriptions.retrieve(org.subscriptionId!);
  await stripe().subscriptions.update(org.subscriptionId!, {
    items: [{ id: sub.items.data[0]!.id, quantity: 1 }],
    proration_behavior: "none",
  });
  const events = (await eventsFor(org.customerId, seen)).map((e) => e.id);
  expect(events.length).toBeGreaterThan(0);
  await deliverAll([...events].reverse());
  expect(await capacityOf(org.tenant.id)).toBe(1);
  expect(await activeSeats(org.tenant.id)).toHaveLength(3); // nobody lost a seat
  expect(await complianceOf(org.tenant.id)).toBe("over_limit");
  expect((await auditActions(org.tenant.id, "tenant.compliance_changed"))[0]).toMatchObject({
    actor_type: "stripe_event",
    before: { complianceStatus: "ok" },
    after: { complianceStatus: "over_limit", licensedSeats: 1, observedSeats: 3 },
  });
  // No new assignments until resolved.
  const refused = await org.owner.agent.fetch(`/api/orgs/${org.tenant.slug}/seats`, json({ userId: waiting }));
  expect(refused.status).toBe(409);
  expect(((await refused.json()) as { error: string }).error).toBe("over_limit");
  // The dashboard tells owners.
  const dash = (await (await org.owner.agent.fetch("/dashboard")).text()).replace(/<!-- -->/g, "");
  expect(dash).toContain("Over licence");
  // Releasing down to the licence resolves it.
  const seated = (await activeSeats(org.tenant.id)).filter((u) => u !== org.owner.user.id);
  for (const u of seated)
    expect((await org.owner.agent.fetch(`/api/orgs/${org.tenant.slug}/seats/${u}`, { method: "DELETE" })).status).toBe(200);
  expect(await complianceOf(org.tenant.id)).toBe("ok");
  // Re-delivering the same Stripe events (duplicates) changes nothing.
  await deliverAll(events);
  expect(await complianceOf(org.tenant.id)).toBe("ok");
});

/** The proration date of the quote a billing page shows (its hidden field), as the page would post it back. */
const quoteTime = (html: string) => /name="prorationDate" value="(\d+)"/.exec(html)?.[1] ?? "";
/** "€46.67" in the page as minor units. */
const cents = (html: string, label: RegExp) =>
  Math.round(Number(new RegExp(label.source + "€([\\d,.]+)").exec(html)![1]!.replace(/,/g, "")) * 100);

test("buying seats: live price and proration preview, Stripe updated with an Idempotency-Key, capacity grows only when Stripe's event arrives", async () => {
  const org = await ownerWithOrganization(3, "Seat Buyers");
  const billing = `/org/${org.tenant.slug}/billing`;
  const preview = await pageText(await org.owner.agent.fetch(`${billing}?quantity=5`));
  expect(preview).toContain("5 seats on PRO at €35 per seat");
  expect(preview).toContain("€175 per month");
  expect(preview).toMatch(/Due now, prorated for the rest of this period: €\d+/);
  // A preview changes nothing in Stripe.
  expect((await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!.quantity).toBe(3);

  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  // A double submit: the same decision on the same version of the subscription is one change in Stripe.
  const confirm = () => form({ intent: "change", quantity: "5", prorationDate: quoteTime(preview) });
  const [first, second] = [await org.owner.agent.fetch(billing, confirm()), await org.owner.agent.fetch(billing, confirm())];
  expect(first.status).toBe(200);
  expect(second.status).toBe(200);
  expect((await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!.quantity).toBe(5);
  const invoices = await stripe().invoices.list({ subscription: org.subscriptionId!, limit: 100 });
  expect(invoices.data.filter((i) => i.billing_reason === "subscription_update")).toHaveLength(1);
  // D1 still says 3 until the webhook arrives.
  expect(await capacityOf(org.tenant.id)).toBe(3);
  await deliverAll((await eventsFor(org.customerId, seen)).map((e) => e.id));
  expect(await capacityOf(org.tenant.id)).toBe(5);
  const requested = await auditActions(org.tenant.id, "seats.quantity_change_requested");
  expect(requested[0]).toMatchObject({ actor_type: "user", actor_id: org.owner.user.id, before: { quantity: 3 }, after: { quantity: 5 } });
  expect((await auditActions(org.tenant.id, "entitlement.updated")).at(-1)).toMatchObject({
    actor_type: "stripe_event",
    before: { quantitySeats: 3 },
    after: { quantitySeats: 5 },
  });
});

test("the charge is the amount the quote showed, even when Stripe's clock moves before the confirm; a stale or forged quote changes nothing", async () => {
  const org = await ownerWithOrganization(3, "Exact Quote Co");
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await control.attachClock(org.customerId, clock.id);
  const billing = `/org/${org.tenant.slug}/billing`;
  const page = await pageText(await org.owner.agent.fetch(`${billing}?quantity=5`));
  const shown = cents(page, /Due now, prorated for the rest of this period: /);
  const at = quoteTime(page);
  expect(Number(at)).toBeGreaterThan(Date.now() - 60_000);

  // Two days pass in Stripe before the owner confirms: billed as of now, the proration would be less.
  await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 2 * 86_400 });
  const itemId = (await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!.id;
  const asOfNow = await stripe().invoices.createPreview({
    subscription: org.subscriptionId!,
    subscription_details: { items: [{ id: itemId, quantity: 5 }], proration_behavior: "always_invoice" },
  });
  expect(asOfNow.amount_due).toBeLessThan(shown);

  const invoicesBefore = (await stripe().invoices.list({ customer: org.customerId, limit: 100 })).data.length;
  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  const refused = [
    {
      prorationDate: String(Date.now() - 2 * 3_600_000),
      status: 409,
      message: "This price quote is more than an hour old. Review the new quote and confirm again.",
    },
    {
      prorationDate: String(Date.now() + 86_400_000),
      status: 422,
      message: "This price quote is not valid. Review the new quote and confirm again.",
    },
    { prorationDate: "1e12", status: 422, message: "Some fields need attention." },
    { prorationDate: "", status: 422, message: "Some fields need attention." },
  ];
  for (const r of refused) {
    const res = await org.owner.agent.fetch(billing, form({ intent: "change", quantity: "5", prorationDate: r.prorationDate }));
    expect(res.status, r.prorationDate).toBe(r.status);
    expect(await pageText(res)).toContain(r.message);
  }
  expect((await org.owner.agent.fetch(billing, form({ intent: "change", quantity: "5" }))).status).toBe(422);
  expect((await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!.quantity).toBe(3);
  expect((await stripe().invoices.list({ customer: org.customerId, limit: 100 })).data).toHaveLength(invoicesBefore);
  expect(await eventsFor(org.customerId, seen)).toEqual([]);
  expect(await auditActions(org.tenant.id, "seats.quantity_change_requested")).toEqual([]);

  expect((await org.owner.agent.fetch(billing, form({ intent: "change", quantity: "5", prorationDate: at }))).status).toBe(200);
  const invoice = (await stripe().invoices.list({ subscription: org.subscriptionId!, limit: 100 })).data.find(
    (i) => i.billing_reason === "subscription_update",
  )!;
  expect(invoice.amount_due).toBe(shown);
  expect(invoice.amount_paid).toBe(shown);
});

test("crossing a tier boundary switches price and quantity together; going below the assigned seats is refused", async () => {
  const org = await ownerWithOrganization(20, "Tier Crossers");
  await addMember(org.tenant.id, { seat: true });
  await addMember(org.tenant.id, { seat: true });
  const billing = `/org/${org.tenant.slug}/billing`;
  const seen = (await eventsFor(org.customerId)).map((e) => e.id);
  const quote = await pageText(await org.owner.agent.fetch(`${billing}?quantity=21`));
  expect(quote).toContain("moves to the MAX tier");
  expect((await org.owner.agent.fetch(billing, form({ intent: "change", quantity: "21", prorationDate: quoteTime(quote) }))).status).toBe(
    200,
  );
  const item = (await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!;
  expect(item.quantity).toBe(21);
  expect(item.price.lookup_key).toBe("organization_max_monthly");
  await deliverAll((await eventsFor(org.customerId, seen)).map((e) => e.id));
  const ent = await env.DB.prepare("SELECT quantity_seats, tier FROM tenant_product_entitlements WHERE tenant_id = ?")
    .bind(org.tenant.id)
    .first();
  expect(ent).toEqual({ quantity_seats: 21, tier: "MAX" });

  const below = await org.owner.agent.fetch(billing, form({ intent: "change", quantity: "2", prorationDate: String(Date.now()) }));
  expect(below.status).toBe(409);
  expect(await pageText(below)).toContain("3 seats are assigned: release 1 seat before going down to 2.");
  for (const q of ["0", "-1", "101", "1e9", "abc", "2.5", ""]) {
    expect(
      (await org.owner.agent.fetch(billing, form({ intent: "change", quantity: q, prorationDate: String(Date.now()) }))).status,
      q,
    ).toBe(422);
  }
  expect((await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!.quantity).toBe(21);
});

test("a declined card for more seats changes nothing; only owners and admins reach the billing page", async () => {
  const org = await ownerWithOrganization(3, "Declined Buyers");
  const member = await addMember(org.tenant.id, { seat: true });
  const outsider = await signedInAgent();
  const billing = `/org/${org.tenant.slug}/billing`;
  await control.declineNextPayment(org.customerId);
  const declined = await org.owner.agent.fetch(billing, form({ intent: "change", quantity: "6", prorationDate: String(Date.now()) }));
  expect(declined.status).toBe(402);
  expect(await pageText(declined)).toContain("declined");
  expect((await stripe().subscriptions.retrieve(org.subscriptionId!)).items.data[0]!.quantity).toBe(3);
  expect(await auditActions(org.tenant.id, "seats.quantity_change_requested")).toEqual([]);
  expect((await member.agent.fetch(billing)).status).toBe(403);
  expect((await member.agent.fetch(`${billing}.data`)).status).toBe(403);
  expect((await member.agent.fetch(billing, form({ intent: "change", quantity: "6" }))).status).toBe(403);
  expect((await outsider.agent.fetch(billing)).status).toBe(404);
  expect((await outsider.agent.fetch(billing, form({ intent: "change", quantity: "6" }))).status).toBe(404);
});

test("an invitation refused by the rules (already invited) shows beside the invite form's email on the 409 page, the address kept", async () => {
  const org = await ownerWithOrganization(2, "Invite Twice Co");
  const page = `/org/${org.tenant.slug}/members`;
  const email = `twice-${Date.now()}@example.com`;
  expect((await org.owner.agent.fetch(page, form({ intent: "invite", email, role: "admin" }))).status).toBe(200);
  const again = await org.owner.agent.fetch(page, form({ intent: "invite", email, role: "admin" }));
  expect(again.status).toBe(409);
  const html = await again.text();
  const input = html.match(/<input\b[^>]*\bid="invite-email"[^>]*>/)?.[0] ?? "";
  expect(input).toContain('aria-describedby="invite-email-error"');
  expect(input).toContain(`value="${email}"`);
  expect(html).toContain('id="invite-email-error">Already invited.</p>');
  expect(html).toMatch(/<option value="admin" selected="">/);
});
