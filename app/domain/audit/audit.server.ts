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
