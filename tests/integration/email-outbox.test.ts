import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { backoffMs, deliverOutbox, MAX_ATTEMPTS, outboxInsert, SEND_LEASE_MS } from "../../app/domain/email/outbox.server";
import { emails } from "../../app/domain/email/templates";
import { createDb } from "../../app/infra/d1/db.server";
import { cloudflareEmailSender, type EmailSender, type OutgoingEmail } from "../../app/infra/email/sender.server";
import { form, uniqueEmail } from "../factories/http";
import { systemAdmin } from "../factories/tenants";

// The transactional outbox (ADR 010): each row is sent at most once; failures are retried with
// backoff and end as failed with their error; an admin's resend is a new row.

const db = () => createDb(env.DB);
const row = (id: string) => env.DB.prepare("SELECT * FROM email_outbox WHERE id = ?").bind(id).first<Record<string, unknown>>();

async function queued(now = Date.now()) {
  const id = `eml_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const to = uniqueEmail("outbox");
  await db().batch([outboxInsert(db(), { id, to, email: emails.verifyEmail({ appUrl: env.APP_URL, token: "t".repeat(43) }), now })]);
  return { id, to };
}

/** A sender that records what it is asked to send, slowly, or fails: the port's contract, not Stripe's or Cloudflare's. */
function recordingSender(opts: { fail?: string; delayMs?: number } = {}): EmailSender & { sent: OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    sent,
    async send(email) {
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.fail) throw new Error(opts.fail);
      sent.push(email);
      return { messageId: `<msg-${sent.length}@test>` };
    },
  };
}

test("the send_email binding delivers a row: sent, with the provider's message id", async () => {
  const { id } = await queued();
  const counts = await deliverOutbox({ db: db(), sender: cloudflareEmailSender(env.EMAIL, env.EMAIL_FROM), now: Date.now, ids: [id] });
  expect(counts).toMatchObject({ sent: 1, retrying: 0, failed: 0 });
  expect(await row(id)).toMatchObject({ status: "sent", attempts: 1, provider_message_id: expect.stringMatching(/.+/), last_error: null });
});

test("two senders at once send a row once", async () => {
  const { id, to } = await queued();
  const sender = recordingSender({ delayMs: 50 });
  await Promise.all([
    deliverOutbox({ db: db(), sender, now: Date.now, ids: [id] }),
    deliverOutbox({ db: db(), sender, now: Date.now, ids: [id] }),
    deliverOutbox({ db: db(), sender, now: Date.now, ids: [id] }),
  ]);
  expect(sender.sent.filter((e) => e.to === to)).toHaveLength(1);
  expect(await row(id)).toMatchObject({ status: "sent", attempts: 1 });
  // And once sent, never again.
  await deliverOutbox({ db: db(), sender, now: () => Date.now() + 86_400_000, ids: [id] });
  expect(sender.sent.filter((e) => e.to === to)).toHaveLength(1);
});

test("a failing send is retried with backoff, then marked failed with its error", async () => {
  const { id } = await queued();
  const failing = recordingSender({ fail: "mailbox unavailable" });
  let now = Date.now();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Not due yet: nothing is tried.
    if (attempt > 1) {
      expect(await deliverOutbox({ db: db(), sender: failing, now: () => now - 1, ids: [id] })).toMatchObject({ retrying: 0, failed: 0 });
    }
    const counts = await deliverOutbox({ db: db(), sender: failing, now: () => now, ids: [id] });
    const r = await row(id);
    expect(r).toMatchObject({ attempts: attempt, last_error: "mailbox unavailable" });
    if (attempt < MAX_ATTEMPTS) {
      expect(counts).toMatchObject({ retrying: 1 });
      expect(r).toMatchObject({ status: "pending", next_attempt_at: now + backoffMs(attempt) });
      now += backoffMs(attempt);
    } else {
      expect(counts).toMatchObject({ failed: 1 });
      expect(r).toMatchObject({ status: "failed" });
    }
  }
  // A failed row is left alone; a working sender later does not pick it up.
  const working = recordingSender();
  await deliverOutbox({ db: db(), sender: working, now: () => now + 86_400_000, ids: [id] });
  expect(working.sent).toHaveLength(0);
  expect(backoffMs(1)).toBe(60_000);
  expect(backoffMs(4)).toBe(120 * 60_000);
});

test("a claim whose sender stopped mid-send is marked failed, not sent a second time", async () => {
  const { id } = await queued();
  const start = Date.now();
  await env.DB.prepare("UPDATE email_outbox SET status = 'sending', attempts = 1, lease_until = ? WHERE id = ?")
    .bind(start + SEND_LEASE_MS, id)
    .run();
  const sender = recordingSender();
  await deliverOutbox({ db: db(), sender, now: () => start + 1000, ids: [id] });
  expect(await row(id)).toMatchObject({ status: "sending" });
  const counts = await deliverOutbox({ db: db(), sender, now: () => start + SEND_LEASE_MS, ids: [id] });
  expect(counts.abandoned).toBeGreaterThanOrEqual(1);
  expect(sender.sent).toHaveLength(0);
  expect(await row(id)).toMatchObject({ status: "failed", last_error: expect.stringContaining("stopped while sending") });
});

test("admins see the outbox and resend: a new row names the old one, audited; anyone else gets 403", async () => {
  const { id, to } = await queued();
  await deliverOutbox({ db: db(), sender: recordingSender({ fail: "bounced" }), now: Date.now, ids: [id] });
  await env.DB.prepare("UPDATE email_outbox SET status = 'failed' WHERE id = ?").bind(id).run();
  const admin = await systemAdmin();
  const page = await admin.agent.fetch("/admin/emails?status=failed");
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(to);
  expect(html).toContain("bounced");

  const res = await admin.agent.fetch("/admin/emails", form({ emailId: id }));
  expect(res.status).toBe(200);
  const copy = await env.DB.prepare("SELECT id, status, to_address FROM email_outbox WHERE resend_of = ?")
    .bind(id)
    .first<{ id: string; to_address: string }>();
  expect(copy).toMatchObject({ to_address: to });
  expect(
    await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'email.resent' AND target_id = ?").bind(copy!.id).first(),
  ).toMatchObject({ n: 1 });
  expect(await row(id)).toMatchObject({ status: "failed" });

  const { signedInAgent } = await import("../factories/http");
  const { agent: plain } = await signedInAgent();
  expect((await plain.fetch("/admin/emails")).status).toBe(403);
  expect((await plain.fetch("/admin/emails", form({ emailId: id }))).status).toBe(403);
});

test("every template has a subject, a text part and accessible HTML with the same link", () => {
  const all = [
    emails.verifyEmail({ appUrl: "https://app.example", token: "abc" }),
    emails.changeEmail({ appUrl: "https://app.example", token: "abc", newEmail: "new@example.com" }),
    emails.emailChanged({ appUrl: "https://app.example", newEmail: "new@example.com" }),
    emails.resetPassword({ appUrl: "https://app.example", token: "abc" }),
    emails.invitation({ appUrl: "https://app.example", organisation: "<Acme & Co>", role: "admin", invitedBy: "a@example.com" }),
    emails.trialEnding({ appUrl: "https://app.example", organisation: "Acme", trialEnd: Date.UTC(2027, 0, 2) }),
    emails.paymentFailed({ appUrl: "https://app.example", organisation: "Acme", accessUntil: Date.UTC(2027, 0, 9) }),
  ];
  for (const e of all) {
    expect(e.subject.length).toBeGreaterThan(5);
    expect(e.html).toContain('<html lang="en">');
    expect(e.html).toContain("<title>");
    const link = /https:\/\/app\.example\/\S+/.exec(e.text)![0];
    expect(e.html).toContain(link.replace(/&/g, "&amp;"));
  }
  expect(all[4]!.html).toContain("&lt;Acme &amp; Co&gt;");
  expect(all[4]!.html).not.toContain("<Acme");
  expect(all[5]!.subject).toBe("Your Acme trial ends on 2 January 2027");
  expect(all[6]!.text).toContain("Access continues until 9 January 2027.");
});
