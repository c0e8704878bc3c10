import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { hashPassword, needsRehash, TIMING_DUMMY_HASH, verifyPassword } from "../../infra/auth/password.server";
import { type SessionUser } from "../../infra/auth/session.server";
import { newId } from "../../infra/ids";
import { auditInsert, type Actor } from "../audit/audit.server";
import { emails } from "../email/templates";
import { type Locale, recipientLocale } from "../../i18n/config";
import { AppError, conflict, invalidInput } from "../errors";
import { emailedLink } from "./tokens.server";

// Accounts: signup, login and the changes a signed-in user makes to their own account. What needs
// a proven address (admin rights, invitations) reads users.email_verified_at; see email-links.server.ts
// for the links that set it.

export const INVALID_CREDENTIALS = "Email or password is incorrect.";
export const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;

type UserRow = typeof schema.users.$inferSelect;

/** The user as a session sees them; admin rights count only with a verified address (as in the session lookup). */
export const toSessionUser = (u: Pick<UserRow, "id" | "email" | "isSystemAdmin" | "emailVerifiedAt">): SessionUser => ({
  id: u.id,
  email: u.email,
  isSystemAdmin: u.isSystemAdmin && u.emailVerifiedAt !== null,
  emailVerified: u.emailVerifiedAt !== null,
});

export const isUniqueViolation = (e: unknown) =>
  e instanceof Error && /UNIQUE constraint failed/i.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`);

/** The verification link for a user's address, emailed through the outbox (the statements go in the caller's batch). */
const verifyLink = (db: Db, deps: { user: { id: string; email: string }; appUrl: string; locale: Locale; now: number }) =>
  emailedLink(db, {
    userId: deps.user.id,
    purpose: "verify_email",
    to: deps.user.email,
    ttlMs: VERIFY_TTL_MS,
    render: (token) => emails.verifyEmail({ appUrl: deps.appUrl, token, locale: deps.locale }),
    now: deps.now,
  });

/**
 * Creates an unverified account and, in the same batch, its verification email. Nothing is
 * conferred by the address until it is verified: not even an ADMIN_EMAILS listing.
 */
export async function signUp(deps: {
  db: Db;
  email: string;
  password: string;
  appUrl: string;
  /** The language of the signup request: the verification email's. */
  locale?: Locale;
  now: number;
}): Promise<{ user: SessionUser; emailIds: string[] }> {
  const { db, now } = deps;
  const existing = await db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, deps.email)).get();
  if (existing) throw emailTaken();
  const user = {
    id: newId("usr"),
    email: deps.email,
    passwordHash: await hashPassword(deps.password),
    isSystemAdmin: false,
    emailVerifiedAt: null,
    createdAt: now,
  };
  const link = await verifyLink(db, { user, appUrl: deps.appUrl, locale: recipientLocale(null, deps.locale), now });
  try {
    await db.batch([db.insert(schema.users).values(user), ...link.statements]);
  } catch (e) {
    // Two signups racing for one email: the unique index decides, the loser gets the same answer.
    if (isUniqueViolation(e)) throw emailTaken();
    throw e;
  }
  return { user: toSessionUser(user), emailIds: link.emailIds };
}

const emailTaken = () =>
  conflict("email_taken", "An account with this email already exists. Log in instead.", {
    fieldErrors: { email: ["An account with this email already exists. Log in instead."] },
  });

/** Checks credentials; an unknown email and a wrong password fail the same way, in the same time. */
export async function verifyLogin(deps: { db: Db; email: string; password: string }): Promise<SessionUser> {
  const user = await deps.db.select().from(schema.users).where(eq(schema.users.email, deps.email)).get();
  const ok = await verifyPassword(deps.password, user?.passwordHash ?? TIMING_DUMMY_HASH);
  if (!user || !ok) {
    throw new AppError({ code: "invalid_credentials", status: 401, message: INVALID_CREDENTIALS });
  }
  if (needsRehash(user.passwordHash)) {
    await deps.db
      .update(schema.users)
      .set({ passwordHash: await hashPassword(deps.password) })
      .where(eq(schema.users.id, user.id));
  }
  return toSessionUser(user);
}

async function requireUser(db: Db, userId: string): Promise<UserRow> {
  const user = await db.select().from(schema.users).where(eq(schema.users.id, userId)).get();
  if (!user) throw new AppError({ code: "unauthorized", status: 401, message: "Sign in to continue." });
  return user;
}

async function requireCurrentPassword(user: UserRow, password: string) {
  if (!(await verifyPassword(password, user.passwordHash))) {
    throw invalidInput("Your current password is not correct.", { currentPassword: ["Your current password is not correct."] });
  }
}

/** Statements that end sessions of `userId`: all of them, or all but `keep`. */
export const endSessions = (db: Db, userId: string, keep?: string) =>
  db.delete(schema.sessions).where(and(eq(schema.sessions.userId, userId), keep ? ne(schema.sessions.id, keep) : undefined));

export const ALL_LINKS = [
  "verify_email",
  "change_email",
  "reset_password",
] as const satisfies readonly (typeof schema.USER_TOKEN_PURPOSES)[number][];

/** Statements that make every unused link of these purposes useless (a newer one, or a change that supersedes them). */
export const retireTokens = (db: Db, userId: string, purposes: readonly (typeof schema.USER_TOKEN_PURPOSES)[number][], now: number) =>
  db
    .update(schema.userTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(schema.userTokens.userId, userId),
        isNull(schema.userTokens.usedAt),
        sql`${schema.userTokens.purpose} IN (${sql.join(
          purposes.map((p) => sql`${p}`),
          sql`, `,
        )})`,
      ),
    );

/** A password change needs the current one; every other session of the user ends with it. */
export async function changePassword(deps: {
  db: Db;
  userId: string;
  sessionId: string;
  currentPassword: string;
  password: string;
  now: number;
}) {
  const { db, now } = deps;
  const user = await requireUser(db, deps.userId);
  await requireCurrentPassword(user, deps.currentPassword);
  if (deps.password.toLowerCase() === user.email) {
    throw invalidInput("Password must not be your email address.", { password: ["Password must not be your email address."] });
  }
  const actor: Actor = { type: "user", id: user.id };
  await db.batch([
    db
      .update(schema.users)
      .set({ passwordHash: await hashPassword(deps.password) })
      .where(eq(schema.users.id, user.id)),
    endSessions(db, user.id, deps.sessionId),
    // Links sent before the change (a reset, a pending email change) die with the old password.
    retireTokens(db, user.id, ALL_LINKS, now),
    auditInsert(db, {
      actor,
      action: "user.password_changed",
      target: { type: "user", id: user.id },
      reason: "Changed on /account; other sessions ended",
      at: now,
    }),
  ]);
}

/** Ends every session of the user, this one included. */
export async function signOutEverywhere(deps: { db: Db; userId: string; now: number }) {
  const { db } = deps;
  await db.batch([
    endSessions(db, deps.userId),
    retireTokens(db, deps.userId, ALL_LINKS, deps.now),
    auditInsert(db, {
      actor: { type: "user", id: deps.userId },
      action: "user.sessions_revoked",
      target: { type: "user", id: deps.userId },
      reason: "Signed out everywhere",
      at: deps.now,
    }),
  ]);
}

/** A new verification link for an unverified address; older ones stop working. */
export async function resendVerification(deps: {
  db: Db;
  userId: string;
  appUrl: string;
  locale?: Locale;
  now: number;
}): Promise<{ emailIds: string[]; email: string }> {
  const { db, now } = deps;
  const user = await requireUser(db, deps.userId);
  if (user.emailVerifiedAt !== null) throw conflict("already_verified", "Your email address is already verified.");
  const link = await verifyLink(db, { user, appUrl: deps.appUrl, locale: recipientLocale(user.locale, deps.locale), now });
  await db.batch([retireTokens(db, user.id, ["verify_email"], now), ...link.statements]);
  return { emailIds: link.emailIds, email: user.email };
}

/** The address a pending email change would move the account to, if a link for one is still usable. */
export async function pendingEmailChange(deps: { db: Db; userId: string; now: number }): Promise<{ email: string } | null> {
  const { results } = await pendingEmailChangeStatement(deps.db.$client, "?1", deps.userId, deps.now).all<{ email: string }>();
  return results[0] ?? null;
}

/** The same as one statement for a page's batch (ADR 022): the user is `user`, an SQL expression over `?1`; `?2` is now. */
export function pendingEmailChangeStatement(d1: D1Database, user: string, key: string, now: number): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT email FROM user_tokens
        WHERE user_id = ${user} AND purpose = 'change_email' AND used_at IS NULL AND expires_at > ?2
        ORDER BY created_at DESC LIMIT 1`,
    )
    .bind(key, now);
}

/**
 * Asks to move the account to another address: a link goes to the new address, and the account
 * keeps its current one until that link is opened (the old address is told when it changes).
 */
export async function requestEmailChange(deps: {
  db: Db;
  userId: string;
  currentPassword: string;
  email: string;
  appUrl: string;
  locale?: Locale;
  now: number;
}): Promise<{ emailIds: string[] }> {
  const { db, now } = deps;
  const user = await requireUser(db, deps.userId);
  await requireCurrentPassword(user, deps.currentPassword);
  if (deps.email === user.email)
    throw invalidInput("That is already your email address.", { email: ["That is already your email address."] });
  const taken = await db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, deps.email)).get();
  if (taken)
    throw conflict("email_taken", "Another account uses that address.", { fieldErrors: { email: ["Another account uses that address."] } });
  const link = await emailedLink(db, {
    userId: user.id,
    purpose: "change_email",
    to: deps.email,
    ttlMs: VERIFY_TTL_MS,
    render: (token) =>
      emails.changeEmail({ appUrl: deps.appUrl, token, newEmail: deps.email, locale: recipientLocale(user.locale, deps.locale) }),
    now,
  });
  await db.batch([retireTokens(db, user.id, ["change_email"], now), ...link.statements]);
  return { emailIds: link.emailIds };
}

/** Saves the user's language (the switcher, /account): it follows them to every device. */
export async function saveLocale(deps: { db: Db; userId: string; locale: Locale }) {
  await deps.db.update(schema.users).set({ locale: deps.locale }).where(eq(schema.users.id, deps.userId));
}
