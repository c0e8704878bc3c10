import { type ActiveSession, type SessionLookup } from "../auth/session.server";

// One D1 round trip per signed-in GET page (ADR 022): a page's loader hands its reads to
// `context.readPage(...)` (through `requirePage`), and they go into the same `batch()` as the
// session lookup and the access statement. Statements are keyed by the session id, not the user
// id, because the user is not known until that very batch has answered.

/** `?1` of every page statement is the session id; this is the signed-in user's id in SQL. */
export const SESSION_USER = "(SELECT user_id FROM sessions WHERE id = ?1)";

/** A page's own reads, each bound with the session id as `?1` (further parameters from `?2`). */
export type PageStatements = (d1: D1Database, sessionId: string) => D1PreparedStatement[];

/** The rows of each of a page's statements, in order; empty when the session is not active. */
export type PageRows = unknown[][];

/**
 * One request's page reads waiting for its session lookup: a loader that reads before the lookup's
 * batch is sent joins that batch; a later one (or one that may not join) reads in a batch of its own.
 */
export function pageReads(d1: D1Database) {
  const pages: { build: PageStatements; at: number; count: number }[] = [];
  let sent = false;
  return {
    /** The statements that go with the lookup: `first` (the access statement, or none), then every joined page's. */
    alongside(sessionId: string, first: D1PreparedStatement[] = []): D1PreparedStatement[] {
      sent = true;
      const statements = [...first];
      for (const page of pages) {
        const own = page.build(d1, sessionId);
        Object.assign(page, { at: statements.length, count: own.length });
        statements.push(...own);
      }
      return statements;
    },
    /**
     * The request's one session lookup, made when first asked. Remix starts the root's and the page's
     * loaders together: when `wait()` says so, the lookup waits one macrotask so every loader of the
     * request can add its statements before the one round trip. Once it has answered (or failed),
     * pages that come later read on their own.
     */
    once(run: () => Promise<SessionLookup>, wait: () => boolean): () => Promise<SessionLookup> {
      let lookup: Promise<SessionLookup> | undefined;
      return () =>
        (lookup ??= (async () => {
          if (wait()) await new Promise((r) => setTimeout(r, 0));
          return run();
        })().finally(() => {
          sent = true;
        }));
    },
    /** A page's rows once `lookup` has answered; empty when the session is not active. */
    async read(
      build: PageStatements,
      join: boolean,
      lookup: () => Promise<SessionLookup>,
    ): Promise<{ session: ActiveSession | null; rows: PageRows }> {
      const page = join && !sent ? { build, at: 0, count: 0 } : null;
      if (page) pages.push(page);
      const { session, alongside } = await lookup();
      if (!session) return { session: null, rows: [] };
      if (page && alongside) return { session, rows: alongside.slice(page.at, page.at + page.count) };
      const own = build(d1, session.sessionId);
      return { session, rows: own.length > 0 ? (await d1.batch(own)).map((r) => r.results) : [] };
    },
  };
}
