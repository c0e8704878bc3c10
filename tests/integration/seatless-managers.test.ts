import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { NO_SEAT } from "../../app/domain/seats/rules";
import { multipart } from "../factories/downloads";
import { type Agent, form, signedInAgent, verifiedAgent } from "../factories/http";
import { provisionedTenant } from "../factories/provisioned";
import { activeSeats, allocator, auditActions, capacityOf, userActor } from "../factories/seats";
import { addMember } from "../factories/tenants";

// A seat is what a person needs to use the product; organisation-level actions need a live tenant
// entitlement and an owner or admin role, never a seat of the actor's own.

const text = async (res: Response) => (await res.text()).replace(/<!-- -->/g, "");

// Every organisation-level action, as a request any actor can send; `ok` is the status a manager gets.
const ACTIONS: { name: string; ok: number; request: (slug: string) => [string, RequestInit?] }[] = [
  { name: "publish the roadmap", ok: 200, request: (slug) => [`/org/${slug}/roadmap`, form({ intent: "publish", published: "true" })] },
  { name: "open billing and seats", ok: 200, request: (slug) => [`/org/${slug}/billing`] },
  { name: "open the members page", ok: 200, request: (slug) => [`/org/${slug}/members`] },
  {
    name: "invite a member",
    ok: 200,
    request: (slug) => [
      `/org/${slug}/members`,
      form({ intent: "invite", email: `inv-${crypto.randomUUID()}@example.com`, role: "member" }),
    ],
  },
  { name: "rotate the licence token", ok: 200, request: (slug) => [`/org/${slug}/software`, form({ intent: "rotate_token" })] },
  // Past the guard, the upload is checked as a package: no file is a 422 naming the field.
  {
    name: "upload software",
    ok: 422,
    request: (slug) => [`/api/pro/uploads?tenant=${slug}`, multipart({ application: "Seatless Tool", version: "1.0.0" })],
  },
];

/** A live Organization (MAX, uploads switched on) with `seats` seats, the owner holding one while any is paid for. */
async function organisation(seats: number, name = "Seatless Managers") {
  const org = await provisionedTenant({ seats: Math.max(seats, 1), name, price: "max" });
  await env.DB.prepare("UPDATE tenants SET pro_uploads_enabled = 1 WHERE id = ?").bind(org.tenant.id).run();
  if (seats === 0) {
    // A purchase has at least one seat: the owner releases it and the capacity goes down to 0 (as an admin grant can).
    expect(
      (await org.owner.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "release", userId: org.owner.user.id }))).status,
    ).toBe(200);
    expect(
      await allocator(org.tenant.id).setCapacity({ tenantId: org.tenant.id, quantity: 0, actor: userActor(org.owner.user.id) }),
    ).toMatchObject({
      ok: true,
      capacity: 0,
    });
  }
  return org;
}

async function expectManages(who: string, actor: Agent, slug: string) {
  for (const a of ACTIONS) {
    const [path, init] = a.request(slug);
    const res = await actor.fetch(path, init);
    expect(res.status, `${who}: ${a.name}`).toBe(a.ok);
  }
}

test("an owner or admin without a seat runs every organisation-level action; a plain member is refused each one", async () => {
  const org = await organisation(2);
  const admin = await addMember(org.tenant.id, { role: "admin" });
  const seatedMember = await addMember(org.tenant.id, { seat: true });
  const seatlessMember = await addMember(org.tenant.id);
  expect(await activeSeats(org.tenant.id)).not.toContain(admin.user.id);
  await expectManages("admin without a seat", admin.agent, org.tenant.slug);

  // The owner releases their own seat and keeps managing the organisation.
  const members = `/org/${org.tenant.slug}/members`;
  expect((await org.owner.agent.fetch(members, form({ intent: "release", userId: org.owner.user.id }))).status).toBe(200);
  expect(await activeSeats(org.tenant.id)).toEqual([seatedMember.user.id]);
  await expectManages("owner after releasing their seat", org.owner.agent, org.tenant.slug);

  // A seat does not make a plain member a manager, and neither does its absence.
  for (const [who, member] of [
    ["seatless member", seatlessMember],
    ["seated member", seatedMember],
  ] as const) {
    for (const a of ACTIONS) {
      const [path, init] = a.request(org.tenant.slug);
      expect((await member.agent.fetch(path, init)).status, `${who}: ${a.name}`).toBe(403);
    }
  }
});

test("an organisation with no seats at all: its seatless owner manages it", async () => {
  const org = await organisation(0);
  expect(await activeSeats(org.tenant.id)).toEqual([]);
  expect(await capacityOf(org.tenant.id)).toBe(0);
  await expectManages("owner of a 0-seat organisation", org.owner.agent, org.tenant.slug);
});

test("without a live plan, the plan's organisation-level actions are refused to owners too", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Lapsed Managers", status: "canceled" });
  const publish = await org.owner.agent.fetch(`/org/${org.tenant.slug}/roadmap`, form({ intent: "publish", published: "true" }));
  expect(publish.status).toBe(403);
  expect(await text(publish)).toContain("Publishing a roadmap needs a live Organization plan.");
  const rotate = await org.owner.agent.fetch(`/org/${org.tenant.slug}/software`, form({ intent: "rotate_token" }));
  expect(rotate.status).toBe(403);
  expect(await text(rotate)).toContain("Licence tokens come with a live Organization plan.");
  // Billing and members stay open: that is where a lapsed plan is put right.
  expect((await org.owner.agent.fetch(`/org/${org.tenant.slug}/billing`)).status).toBe(200);
  expect((await org.owner.agent.fetch(`/org/${org.tenant.slug}/members`)).status).toBe(200);
});

test("an organisation with 0 seats cannot approve a member into a seat (the members page action)", async () => {
  const org = await organisation(0, "No Seats Co");
  const seatChanges = (await auditActions(org.tenant.id, "seat.assigned")).length;
  const code = (await env.DB.prepare("SELECT join_code FROM tenants WHERE id = ?").bind(org.tenant.id).first<{ join_code: string }>())!
    .join_code;
  const alice = await signedInAgent();
  expect((await alice.agent.fetch("/join", form({ code }))).status).toBe(200);
  const res = await org.owner.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "approve", userId: alice.user.id }));
  expect(res.status).toBe(409);
  expect(await text(res)).toContain("All 0 seats are taken: buy more or release one.");
  expect(await activeSeats(org.tenant.id)).toEqual([]);
  const row = await env.DB.prepare("SELECT status FROM tenant_memberships WHERE tenant_id = ? AND user_id = ?")
    .bind(org.tenant.id, alice.user.id)
    .first<{ status: string }>();
  expect(row!.status).toBe("pending");
  expect(await auditActions(org.tenant.id, "seat.assigned")).toHaveLength(seatChanges);
  // Nor can the seatless owner assign one to an active member.
  const bob = await addMember(org.tenant.id);
  expect((await org.owner.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "assign", userId: bob.user.id }))).status).toBe(
    409,
  );
  expect(await activeSeats(org.tenant.id)).toEqual([]);
});

async function invite(org: Awaited<ReturnType<typeof provisionedTenant>>) {
  const email = `invitee-${crypto.randomUUID()}@example.com`;
  expect((await org.owner.agent.fetch(`/org/${org.tenant.slug}/members`, form({ intent: "invite", email, role: "member" }))).status).toBe(
    200,
  );
  const inv = (await env.DB.prepare("SELECT id FROM tenant_invitations WHERE email = ?").bind(email).first<{ id: string }>())!;
  const invitee = await verifiedAgent(email);
  return { inv, invitee, email };
}

test("accepting an invitation takes a free seat by the approval rule, audited with who, when and why", async () => {
  const org = await provisionedTenant({ seats: 2, name: "Free Seat Inviters" });
  const { inv, invitee } = await invite(org);
  const accepted = await invitee.agent.fetch("/invitations", form({ invitationId: inv.id, intent: "accept" }));
  expect(accepted.status).toBe(200);
  expect(await text(accepted)).toContain("You are now a member of Free Seat Inviters, with a seat.");
  expect((await activeSeats(org.tenant.id)).sort()).toEqual([invitee.user.id, org.owner.user.id].sort());
  const assigned = await env.DB.prepare(
    "SELECT actor_type, actor_id, target_id, reason, at FROM audit_log WHERE tenant_id = ? AND action = 'seat.assigned' AND target_id = ?",
  )
    .bind(org.tenant.id, invitee.user.id)
    .all<{ actor_type: string; actor_id: string; reason: string; at: number }>();
  expect(assigned.results).toHaveLength(1);
  expect(assigned.results[0]).toMatchObject({ actor_type: "user", actor_id: invitee.user.id, reason: `Accepted invitation ${inv.id}` });
  expect(assigned.results[0]!.at).toBeGreaterThan(0);
});

test("accepting an invitation with no free seat joins without one: the invitee and the inviter see why; never more seats than paid for", async () => {
  const org = await provisionedTenant({ seats: 1, name: "Full House" });
  const { inv, invitee, email } = await invite(org);
  const accepted = await invitee.agent.fetch("/invitations", form({ invitationId: inv.id, intent: "accept" }));
  expect(accepted.status).toBe(200);
  const page = await text(accepted);
  expect(page).toContain("You are now a member of Full House (all its seats are taken).");
  expect(page).toContain(NO_SEAT);
  const m = await env.DB.prepare("SELECT status FROM tenant_memberships WHERE tenant_id = ? AND user_id = ?")
    .bind(org.tenant.id, invitee.user.id)
    .first<{ status: string }>();
  expect(m!.status).toBe("active");
  expect(await activeSeats(org.tenant.id)).toEqual([org.owner.user.id]);
  expect(
    (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'seat.assigned' AND target_id = ?")
      .bind(invitee.user.id)
      .first<{
        n: number;
      }>())!.n,
  ).toBe(0);
  // The inviter's members page says the same beside the new member.
  const members = await text(await org.owner.agent.fetch(`/org/${org.tenant.slug}/members`));
  const row = members.slice(members.indexOf(`data-testid="member-${email}"`));
  expect(row.slice(0, row.indexOf("</tr>"))).toContain(NO_SEAT);
});
