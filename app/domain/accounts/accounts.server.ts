import { eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { hashPassword, needsRehash, TIMING_DUMMY_HASH, verifyPassword } from "../../infra/auth/password.server";
import { type SessionUser } from "../../infra/auth/session.server";
import { newId } from "../../infra/ids";
import { AppError, conflict } from "../errors";

export const INVALID_CREDENTIALS = "Email or password is incorrect.";

const isUniqueViolation = (e: unknown) =>
  e instanceof Error && /UNIQUE constraint failed/i.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`);

/** Creates an account; one per email, and emails listed in ADMIN_EMAILS become system admins. */
export async function signUp(deps: {
  db: Db;
  email: string;
  password: string;
  adminEmails: ReadonlySet<string>;
  now: number;
}): Promise<SessionUser> {
  const existing = await deps.db
    .select({ id: schema.users.id })
    .from(schema.users)
    .where(eq(schema.users.email, deps.email))
    .get();
  if (existing) throw emailTaken();
  const user = {
    id: newId("usr"),
    email: deps.email,
    passwordHash: await hashPassword(deps.password),
    isSystemAdmin: deps.adminEmails.has(deps.email),
    createdAt: deps.now,
  };
  try {
    await deps.db.insert(schema.users).values(user);
  } catch (e) {
    // Two signups racing for one email: the unique index decides, the loser gets the same answer.
    if (isUniqueViolation(e)) throw emailTaken();
    throw e;
  }
  return { id: user.id, email: user.email, isSystemAdmin: user.isSystemAdmin };
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
  return { id: user.id, email: user.email, isSystemAdmin: user.isSystemAdmin };
}
