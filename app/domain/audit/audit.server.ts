import { and, Column, desc, eq, is, like, or, SQL, sql } from "drizzle-orm";
import { type SQLiteColumn, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { type Db, schema } from "../../infra/d1/db.server";

export type Actor =
  | { type: "user"; id: string }
  | { type: "stripe_event"; id: string }
  | { type: "scheduler"; id?: string }
  | { type: "system"; id?: string };

export type AuditEntry = {
  actor: Actor;
  action: string;
  tenantId?: string | null;
  target?: { type: string; id: string };
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  at: number;
};

/** An audit row as a batchable insert: it commits or rolls back with the change it describes. */
export function auditInsert(db: Db, e: AuditEntry) {
  return db.insert(schema.auditLog).values({
    at: e.at,
    actorType: e.actor.type,
    actorId: e.actor.id ?? null,
    action: e.action,
    tenantId: e.tenantId ?? null,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    before: e.before === undefined ? null : JSON.stringify(e.before),
    after: e.after === undefined ? null : JSON.stringify(e.after),
    reason: e.reason ?? null,
  });
}

type Expr = SQL | SQLiteColumn;
const expr = (v: Expr | string | number | null | undefined): SQL => (v === null || v === undefined ? sql`NULL` : sql`${v}`);
const jsonExpr = (v: unknown): SQL =>
  v === undefined || v === null ? sql`NULL` : is(v, SQL) || is(v, Column) ? sql`${v}` : sql`${JSON.stringify(v)}`;

/**
 * An audit row written only if `where` matches a row of `from` when the batch runs: for changes
 * that are conditional in SQL (a seat that may not be free, a status that may already be right),
 * so the audit trail records exactly the changes that happened. Values may be SQL over `from`.
 */
export function auditInsertWhen(
  db: Db,
  e: {
    actor: Actor;
    action: string;
    at: number;
    tenantId: Expr | string | null;
    target: { type: string; id: Expr | string };
    before?: unknown;
    after?: unknown;
    reason?: string | null;
  },
  source: { from: SQLiteTable; where: SQL | undefined },
) {
  return db.insert(schema.auditLog).select(
    db
      .select({
        id: sql<number | null>`NULL`.as("id"),
        at: sql<number>`${e.at}`.as("at"),
        actorType: sql<Actor["type"]>`${e.actor.type}`.as("actor_type"),
        actorId: sql<string | null>`${expr(e.actor.id)}`.as("actor_id"),
        action: sql<string>`${e.action}`.as("action"),
        tenantId: sql<string | null>`${expr(e.tenantId)}`.as("tenant_id"),
        targetType: sql<string>`${e.target.type}`.as("target_type"),
        targetId: sql<string>`${expr(e.target.id)}`.as("target_id"),
        before: sql<string | null>`${jsonExpr(e.before)}`.as("before"),
        after: sql<string | null>`${jsonExpr(e.after)}`.as("after"),
        reason: sql<string | null>`${expr(e.reason)}`.as("reason"),
      })
      .from(source.from)
      .where(source.where),
  );
}

/** The audit log for the admin console, newest first, filtered by tenant, actor and action prefix. */
export async function listAudit(deps: { db: Db; tenantId?: string; actor?: string; action?: string; limit?: number }) {
  const a = schema.auditLog;
  const conditions: SQL[] = [];
  if (deps.tenantId) conditions.push(eq(a.tenantId, deps.tenantId));
  if (deps.actor) conditions.push(or(eq(a.actorId, deps.actor), eq(a.actorType, deps.actor as (typeof schema.AUDIT_ACTOR_TYPES)[number]))!);
  if (deps.action) conditions.push(like(a.action, `${deps.action}%`));
  return deps.db
    .select()
    .from(a)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(a.id))
    .limit(deps.limit ?? 200);
}
