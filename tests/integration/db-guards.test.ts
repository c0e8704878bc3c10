import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { provisionedTenant } from "../factories/provisioned";
import { addMember } from "../factories/tenants";

// The database's own walls (migrations/0001_db_guards.sql), tested against D1 directly: they hold
// even if application code were wrong.

test("the audit log is append-only: an UPDATE or DELETE of a row is refused and changes nothing", async () => {
  await env.DB.prepare("INSERT INTO audit_log (at, actor_type, action, reason) VALUES (?, 'system', 'test.guard', 'original')")
    .bind(Date.now())
    .run();
  const row = (await env.DB.prepare("SELECT id, reason FROM audit_log WHERE action = 'test.guard' ORDER BY id DESC LIMIT 1").first<{
    id: number;
    reason: string;
  }>())!;
  await expect(env.DB.prepare("UPDATE audit_log SET reason = 'rewritten' WHERE id = ?").bind(row.id).run()).rejects.toThrow(/append-only/);
  await expect(env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(row.id).run()).rejects.toThrow(/append-only/);
  expect(await env.DB.prepare("SELECT reason FROM audit_log WHERE id = ?").bind(row.id).first()).toEqual({ reason: "original" });
});

test("a released seat cannot be made active again (a new assignment is a new row)", async () => {
  const { tenant } = await provisionedTenant({ seats: 3, name: "Guard Seats" });
  const member = await addMember(tenant.id, { seat: true });
  const seat = (await env.DB.prepare("SELECT id FROM tenant_entitlement_seat_assignments WHERE user_id = ? AND released_at IS NULL")
    .bind(member.user.id)
    .first<{ id: string }>())!;
  await env.DB.prepare("UPDATE tenant_entitlement_seat_assignments SET released_at = ? WHERE id = ?").bind(Date.now(), seat.id).run();
  await expect(
    env.DB.prepare("UPDATE tenant_entitlement_seat_assignments SET released_at = NULL WHERE id = ?").bind(seat.id).run(),
  ).rejects.toThrow(/seat_assignment_released/);
  expect(
    await env.DB.prepare("SELECT released_at IS NOT NULL AS released FROM tenant_entitlement_seat_assignments WHERE id = ?")
      .bind(seat.id)
      .first(),
  ).toEqual({ released: 1 });
});
