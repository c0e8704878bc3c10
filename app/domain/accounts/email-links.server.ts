import { and, eq, isNull, sql } from "drizzle-orm";
import { type BatchItem } from "drizzle-orm/batch";
import { type Db, schema } from "../../infra/d1/db.server";
import { hashPassword } from "../../infra/auth/password.server";
import { type SessionUser } from "../../infra/auth/session.server";
import { auditInsertWhen, type Actor } from "../audit/audit.server";
import { outboxInsert } from "../email/outbox.server";
import { emails } from "../email/templates";
import { type Locale, recipientLocale } from "../../i18n/config";
import { AppError } from "../errors";
import { isUniqueViolation, retireTokens, toSessionUser } from "./accounts.server";
import { emailedLink, findUsableToken, invalidLink, type TokenRow } from "./tokens.server";

// What an emailed link proves: that whoever opened it reads that address. Each link works once:
// the batch that acts on it first marks the token used, and every other statement in the batch is
// guarded on that mark, so two tabs opening one link change things once.

export const RESET_TTL_MS = 60 * 60 * 1000;

type Statement = BatchItem<"sqlite">;

/** The token's use, first in a batch, and the guard that every later statement of it carries. */
function consume(db: Db, row: TokenRow, now: number) {
  const t = schema.userTokens;
  const marker = crypto.randomUUID();
  return {
    statement: db
      .update(t)
      .set({ usedAt: now, usedBy: marker })
      .where(and(eq(t.id, row.id), isNull(t.usedAt)))
      .returning({ id: t.id }),
    guard: sql`EXISTS (SELECT 1 FROM user_tokens WHERE id = ${row.id} AND used_by = ${marker})`,
    usedHere: and(eq(t.id, row.id), eq(t.usedBy, marker)),
  };
}

/**
 * The address is proven: mark it verified and, when it is listed in ADMIN_EMAILS, make the user a
 * system admin (ADMIN_EMAILS confers nothing before this).
 */
function proveAddress(
  db: Db,
  o: { userId: string; email: string; adminEmails: ReadonlySet<string>; guard: ReturnType<typeof sql>; actor: Actor; now: number },
): Statement[] {
  const u = schema.users;
  const statements: Statement[] = [
    db
      .update(u)
      .set({ email: o.email, emailVerifiedAt: sql`coalesce(${u.emailVerifiedAt}, ${o.now})` })
      .where(and(eq(u.id, o.userId), o.guard)),
  ];
  if (o.adminEmails.has(o.email)) {
    const promotable = and(eq(u.id, o.userId), eq(u.isSystemAdmin, false), o.guard);
    statements.push(
      // The audit row first: it is written only while the user is not an admin yet.
      auditInsertWhen(
        db,
        {
          actor: o.actor,
          action: "user.promoted_admin",
          at: o.now,
          tenantId: null,
          target: { type: "user", id: o.userId },
          before: { isSystemAdmin: false },
          after: { isSystemAdmin: true },
          reason: `${o.email} is listed in ADMIN_EMAILS and was verified`,
        },
        { from: u, where: promotable },
      ),
      db.update(u).set({ isSystemAdmin: true }).where(promotable),
    );
  }
  return statements;
}

async function run(db: Db, statements: [ReturnType<typeof consume>["statement"], ...Statement[]]): Promise<void> {
  let consumed: { id: string }[];
  try {
    [consumed] = (await db.batch(statements)) as [{ id: string }[], ...unknown[]];
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new AppError({
        code: "email_taken",
        status: 409,
        message: "Another account took that address in the meantime. Nothing was changed.",
      });
    }
    throw e;
  }
  // Another tab used the link between our read and our batch: its batch made the change.
  if (consumed.length === 0) throw invalidLink();
}

export type LinkOutcome = { kind: "verified" | "email_changed"; email: string; promoted: boolean };

/**
 * Opens a verification or email-change link: the address in it becomes the user's verified one.
 * An email change also needs the account's own session: the link proves the new address, the
 * session proves the person who asked (whoever reads a typo'd address gets nothing).
 */
export async function redeemEmailLink(deps: {
  db: Db;
  token: string;
  /** The signed-in user opening the link, if any. */
  sessionUserId: string | null;
  adminEmails: ReadonlySet<string>;
  appUrl: string;
  locale?: Locale;
  now: number;
}): Promise<LinkOutcome> {
  const { db, now } = deps;
  const row = await findUsableToken(db, deps.token, ["verify_email", "change_email"], now);
  const user = await db.select().from(schema.users).where(eq(schema.users.id, row.userId)).get();
  // A verification link proves the address it was sent to, which must still be the account's.
  if (!user || (row.purpose === "verify_email" && user.email !== row.email)) throw invalidLink();
  if (row.purpose === "change_email" && deps.sessionUserId !== user.id) {
    throw new AppError({
      code: "sign_in_required",
      status: 403,
      message: "Log in to the account that asked for this change (with its current email address), then open the link again.",
    });
  }
  const actor: Actor = { type: "user", id: user.id };
  const c = consume(db, row, now);
  const changing = row.purpose === "change_email";
  const statements: Statement[] = [
    ...proveAddress(db, { userId: user.id, email: row.email, adminEmails: deps.adminEmails, guard: c.guard, actor, now }),
    auditInsertWhen(
      db,
      {
        actor,
        action: changing ? "user.email_changed" : "user.email_verified",
        at: now,
        tenantId: null,
        target: { type: "user", id: user.id },
        before: changing ? { email: user.email } : { emailVerified: false },
        after: changing ? { email: row.email } : { emailVerified: true },
        reason: changing ? "Confirmed from a link sent to the new address" : "Opened the verification link",
      },
      { from: schema.userTokens, where: c.usedHere },
    ),
  ];
  if (changing) {
    statements.push(
      retireTokens(db, user.id, ["verify_email", "reset_password"], now),
      // The old address hears of the change (once, however often the batch is tried).
      outboxInsert(db, {
        to: user.email,
        email: emails.emailChanged({ appUrl: deps.appUrl, newEmail: row.email, locale: recipientLocale(user.locale, deps.locale) }),
        userId: user.id,
        dedupeKey: `email_changed:${row.id}`,
        now,
      }),
    );
  }
  await run(db, [c.statement, ...statements]);
  return {
    kind: changing ? "email_changed" : "verified",
    email: row.email,
    promoted: deps.adminEmails.has(row.email) && !user.isSystemAdmin,
  };
}

/**
 * A reset link for the account with this address, if there is one. The caller answers the same
 * either way: whether an address has an account is never revealed.
 */
export async function requestPasswordReset(deps: {
  db: Db;
  email: string;
  appUrl: string;
  locale?: Locale;
  now: number;
}): Promise<{ emailIds: string[] }> {
  const { db, now } = deps;
  const user = await db
    .select({ id: schema.users.id, email: schema.users.email, locale: schema.users.locale })
    .from(schema.users)
    .where(eq(schema.users.email, deps.email))
    .get();
  if (!user) return { emailIds: [] };
  const link = await emailedLink(db, {
    userId: user.id,
    purpose: "reset_password",
    to: user.email,
    ttlMs: RESET_TTL_MS,
    render: (token) => emails.resetPassword({ appUrl: deps.appUrl, token, locale: recipientLocale(user.locale, deps.locale) }),
    now,
  });
  await db.batch([...link.statements]);
  return { emailIds: link.emailIds };
}

/** Whether a reset link can still be used (the form is shown only for one that can). */
export async function checkResetLink(deps: { db: Db; token: string; now: number }): Promise<void> {
  await findUsableToken(deps.db, deps.token, ["reset_password"], deps.now);
}

/**
 * Sets a new password from a reset link: the link is used up, every session of the user ends, and
 * the address counts as verified (the link proved it). The caller then starts one new session.
 */
export async function resetPassword(deps: {
  db: Db;
  token: string;
  password: string;
  adminEmails: ReadonlySet<string>;
  now: number;
}): Promise<SessionUser> {
  const { db, now } = deps;
  const row = await findUsableToken(db, deps.token, ["reset_password"], now);
  const user = await db.select().from(schema.users).where(eq(schema.users.id, row.userId)).get();
  if (!user || user.email !== row.email) throw invalidLink();
  const actor: Actor = { type: "user", id: user.id };
  const c = consume(db, row, now);
  const passwordHash = await hashPassword(deps.password);
  await run(db, [
    c.statement,
    db
      .update(schema.users)
      .set({ passwordHash })
      .where(and(eq(schema.users.id, user.id), c.guard)),
    ...proveAddress(db, { userId: user.id, email: user.email, adminEmails: deps.adminEmails, guard: c.guard, actor, now }),
    db.delete(schema.sessions).where(and(eq(schema.sessions.userId, user.id), c.guard)),
    // Every other pending link (an email change asked for by whoever held the account) dies too.
    db
      .update(schema.userTokens)
      .set({ usedAt: now })
      .where(and(eq(schema.userTokens.userId, user.id), isNull(schema.userTokens.usedAt), c.guard)),
    auditInsertWhen(
      db,
      {
        actor,
        action: "user.password_reset",
        at: now,
        tenantId: null,
        target: { type: "user", id: user.id },
        reason: "Reset from an emailed link; every session ended",
      },
      { from: schema.userTokens, where: c.usedHere },
    ),
  ]);
  const fresh = await db.select().from(schema.users).where(eq(schema.users.id, user.id)).get();
  return toSessionUser(fresh!);
}
