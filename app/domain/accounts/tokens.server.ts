import { eq } from "drizzle-orm";
import { hashToken, newToken } from "../../infra/auth/session.server";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { outboxInsert } from "../email/outbox.server";
import { type RenderedEmail } from "../email/templates";
import { AppError } from "../errors";

// Single-use, expiring tokens for emailed links. The link carries 32 random bytes; the table holds
// only their SHA-256, so a leaked table opens no account.

export type TokenPurpose = (typeof schema.USER_TOKEN_PURPOSES)[number];
export type TokenRow = typeof schema.userTokens.$inferSelect;

/** A fresh token and the batchable insert that stores its hash. */
export async function issueToken(db: Db, o: { userId: string; purpose: TokenPurpose; email: string; ttlMs: number; now: number }) {
  const token = newToken();
  const id = await hashToken(token);
  return {
    token,
    id,
    insert: db
      .insert(schema.userTokens)
      .values({ id, userId: o.userId, purpose: o.purpose, email: o.email, createdAt: o.now, expiresAt: o.now + o.ttlMs, usedAt: null }),
  };
}

/**
 * A link emailed to `to`: the token's insert and its outbox row, to run in one batch with whatever
 * else the request changes, and the outbox id to send after the response.
 */
export async function emailedLink(
  db: Db,
  o: { userId: string; purpose: TokenPurpose; to: string; ttlMs: number; render: (token: string) => RenderedEmail; now: number },
) {
  const token = await issueToken(db, { userId: o.userId, purpose: o.purpose, email: o.to, ttlMs: o.ttlMs, now: o.now });
  const emailId = newId("eml");
  return {
    statements: [
      token.insert,
      outboxInsert(db, { id: emailId, to: o.to, email: o.render(token.token), userId: o.userId, now: o.now }),
    ] as const,
    emailIds: [emailId],
  };
}

/** A token can be used once, before it expires, for the purpose it was issued for. */
export const tokenIsUsable = (
  row: Pick<TokenRow, "purpose" | "usedAt" | "expiresAt"> | undefined,
  purposes: readonly TokenPurpose[],
  now: number,
) => Boolean(row && purposes.includes(row.purpose) && row.usedAt === null && row.expiresAt > now);

export const invalidLink = () =>
  new AppError({ code: "invalid_link", status: 400, message: "This link has expired or was already used. Ask for a new one." });

/** The stored row behind a token from a link, if it is still usable for one of `purposes`. */
export async function findUsableToken(db: Db, token: string, purposes: readonly TokenPurpose[], now: number): Promise<TokenRow> {
  const row = await db
    .select()
    .from(schema.userTokens)
    .where(eq(schema.userTokens.id, await hashToken(token)))
    .get();
  if (!row || !tokenIsUsable(row, purposes, now)) throw invalidLink();
  return row;
}
