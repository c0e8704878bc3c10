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
