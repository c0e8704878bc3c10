import { and, desc, eq, inArray, lte, type SQL, sql } from "drizzle-orm";
import { type SQLiteTable } from "drizzle-orm/sqlite-core";
import { type Db, schema } from "../../infra/d1/db.server";
import { type EmailSender } from "../../infra/email/sender.server";
import { newId } from "../../infra/ids";
import { auditInsert, type Actor } from "../audit/audit.server";
import { AppError } from "../errors";
import { type RenderedEmail } from "./templates";

// The transactional outbox (ADR 010). Writers add a row to the batch that makes the change the
// email reports, so neither exists without the other; `deliverOutbox` sends due rows afterwards.

export const MAX_ATTEMPTS = 5;
// Minutes to wait after the n-th failed attempt (1, 5, 30, 120).
const BACKOFF_MINUTES = [1, 5, 30, 120];
// How long a sender may hold a claimed row. A claim older than this is a sender that stopped
// mid-send: the email may or may not have left, so the row is marked failed, never sent again.
export const SEND_LEASE_MS = 2 * 60 * 1000;

export const backoffMs = (attempts: number) => (BACKOFF_MINUTES[Math.min(attempts, BACKOFF_MINUTES.length) - 1] ?? 1) * 60_000;

/** An outbox row as a batchable insert. With a dedupe key, a second insert for it does nothing. */
export function outboxInsert(
  db: Db,
  e: {
    id?: string;
    to: string;
    email: RenderedEmail;
    userId?: string | null;
    tenantId?: string | null;
    dedupeKey?: string;
    resendOf?: string;
    now: number;
  },
) {
  return db
    .insert(schema.emailOutbox)
    .values({
      id: e.id ?? newId("eml"),
      dedupeKey: e.dedupeKey ?? null,
      toAddress: e.to,
      template: e.email.template,
      subject: e.email.subject,
      textBody: e.email.text,
      htmlBody: e.email.html,
      userId: e.userId ?? null,
      tenantId: e.tenantId ?? null,
      status: "pending",
      attempts: 0,
      nextAttemptAt: e.now,
      resendOf: e.resendOf ?? null,
      createdAt: e.now,
      updatedAt: e.now,
    })
    .onConflictDoNothing({ target: schema.emailOutbox.dedupeKey });
}

/**
 * An outbox row written only if `where` matches a row of `from` when the batch runs: for emails
 * about a change that is conditional in SQL (an invitation that may already exist), so an email
 * never goes out about a change that did not happen.
 */
export function outboxInsertWhen(
  db: Db,
  e: { id: string; to: string; email: RenderedEmail; userId?: string | null; tenantId?: string | null; now: number },
  source: { from: SQLiteTable; where: SQL | undefined },
) {
  const v = <T>(value: T, name: string) => sql<T>`${value}`.as(name);
  return db.insert(schema.emailOutbox).select(
    db
      .select({
        id: v(e.id, "id"),
        dedupeKey: v<string | null>(null, "dedupe_key"),
        toAddress: v(e.to, "to_address"),
        template: v(e.email.template, "template"),
        subject: v(e.email.subject, "subject"),
        textBody: v(e.email.text, "text_body"),
        htmlBody: v(e.email.html, "html_body"),
        userId: v(e.userId ?? null, "user_id"),
        tenantId: v(e.tenantId ?? null, "tenant_id"),
        status: v("pending" as const, "status"),
        attempts: v(0, "attempts"),
        nextAttemptAt: v(e.now, "next_attempt_at"),
        leaseUntil: v<number | null>(null, "lease_until"),
        lastError: v<string | null>(null, "last_error"),
        providerMessageId: v<string | null>(null, "provider_message_id"),
        resendOf: v<string | null>(null, "resend_of"),
        createdAt: v(e.now, "created_at"),
        sentAt: v<number | null>(null, "sent_at"),
        updatedAt: v(e.now, "updated_at"),
      })
      .from(source.from)
      .where(source.where),
  );
}

export type DeliveryCounts = { sent: number; retrying: number; failed: number; abandoned: number };

/**
 * Sends due rows (or only `ids`), each at most once: a row is claimed by one UPDATE before it is
 * sent, so two senders never both send it. A failure is retried with backoff, then marked failed
 * with its error after MAX_ATTEMPTS.
 */
export async function deliverOutbox(deps: {
  db: Db;
  sender: EmailSender;
  now: () => number;
  ids?: string[];
  limit?: number;
}): Promise<DeliveryCounts> {
  const { db } = deps;
  const o = schema.emailOutbox;
  const counts: DeliveryCounts = { sent: 0, retrying: 0, failed: 0, abandoned: 0 };
  const start = deps.now();
  // Claims that outlived their lease: the sender stopped between claim and result.
  const abandoned = await db
    .update(o)
    .set({
      status: "failed",
      lastError: "The sender stopped while sending; the email may not have left. Resend it if needed.",
      leaseUntil: null,
      updatedAt: start,
    })
    .where(and(eq(o.status, "sending"), lte(o.leaseUntil, start)))
    .returning({ id: o.id });
  counts.abandoned = abandoned.length;

  const due = db
    .select({ id: o.id })
    .from(o)
    .where(and(eq(o.status, "pending"), lte(o.nextAttemptAt, start), deps.ids ? inArray(o.id, deps.ids) : undefined))
    .orderBy(o.nextAttemptAt)
    .limit(deps.limit ?? 25);
  const claimed = await db
    .update(o)
    .set({ status: "sending", attempts: sql`${o.attempts} + 1`, leaseUntil: start + SEND_LEASE_MS, updatedAt: start })
    .where(and(inArray(o.id, due), eq(o.status, "pending")))
    .returning();

  for (const row of claimed) {
    const mine = and(eq(o.id, row.id), eq(o.status, "sending"), eq(o.attempts, row.attempts));
    try {
      const { messageId } = await deps.sender.send({ to: row.toAddress, subject: row.subject, text: row.textBody, html: row.htmlBody });
      const at = deps.now();
      await db
        .update(o)
        .set({ status: "sent", providerMessageId: messageId, sentAt: at, leaseUntil: null, lastError: null, updatedAt: at })
        .where(mine);
      counts.sent++;
    } catch (e) {
      const at = deps.now();
      const error = (e instanceof Error ? e.message : String(e)).slice(0, 500);
      const final = row.attempts >= MAX_ATTEMPTS;
      await db
        .update(o)
        .set({
          status: final ? "failed" : "pending",
          lastError: error,
          leaseUntil: null,
          nextAttemptAt: final ? row.nextAttemptAt : at + backoffMs(row.attempts),
          updatedAt: at,
        })
        .where(mine);
      if (final) counts.failed++;
      else counts.retrying++;
    }
  }
  return counts;
}

export type OutboxRow = Pick<
  typeof schema.emailOutbox.$inferSelect,
  | "id"
  | "toAddress"
  | "template"
  | "subject"
  | "status"
  | "attempts"
  | "lastError"
  | "providerMessageId"
  | "resendOf"
  | "createdAt"
  | "sentAt"
  | "nextAttemptAt"
>;

/** The newest outbox rows, optionally of one status or to one address, for the admin console. */
export async function listOutbox(deps: {
  db: Db;
  status?: (typeof schema.EMAIL_STATUSES)[number];
  to?: string;
  limit?: number;
}): Promise<OutboxRow[]> {
  const o = schema.emailOutbox;
  return deps.db
    .select({
      id: o.id,
      toAddress: o.toAddress,
      template: o.template,
      subject: o.subject,
      status: o.status,
      attempts: o.attempts,
      lastError: o.lastError,
      providerMessageId: o.providerMessageId,
      resendOf: o.resendOf,
      createdAt: o.createdAt,
      sentAt: o.sentAt,
      nextAttemptAt: o.nextAttemptAt,
    })
    .from(o)
    .where(and(deps.status ? eq(o.status, deps.status) : undefined, deps.to ? eq(o.toAddress, deps.to) : undefined))
    .orderBy(desc(o.createdAt), desc(o.id))
    .limit(deps.limit ?? 100);
}

/**
 * An admin's resend: a new pending row with the same content (a row is never sent twice), audited.
 * Only a row that was sent or failed can be resent; one still pending will go out by itself.
 */
export async function resendEmail(deps: { db: Db; id: string; actor: Actor; reason: string; now: number }): Promise<{ id: string }> {
  const { db, now } = deps;
  const row = await db.select().from(schema.emailOutbox).where(eq(schema.emailOutbox.id, deps.id)).get();
  if (!row) throw new AppError({ code: "not_found", status: 404, message: "No email with that id." });
  if (row.status !== "sent" && row.status !== "failed") {
    throw new AppError({
      code: "not_finished",
      status: 409,
      message: "This email has not been sent or given up on yet; it will go out by itself.",
    });
  }
  const id = newId("eml");
  await db.batch([
    outboxInsert(db, {
      id,
      to: row.toAddress,
      email: { template: row.template, subject: row.subject, text: row.textBody, html: row.htmlBody },
      userId: row.userId,
      tenantId: row.tenantId,
      resendOf: row.id,
      now,
    }),
    auditInsert(db, {
      actor: deps.actor,
      action: "email.resent",
      tenantId: row.tenantId,
      target: { type: "email", id },
      before: { id: row.id, status: row.status, attempts: row.attempts, lastError: row.lastError },
      after: { id, status: "pending", to: row.toAddress, template: row.template },
      reason: deps.reason,
      at: now,
    }),
  ]);
  return { id };
}
