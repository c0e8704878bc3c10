import { type SQL } from "drizzle-orm";
import { type BatchItem } from "drizzle-orm/batch";
import { type Db } from "./db.server";

/**
 * A raw SQL statement that can go into `db.batch([...])`. drizzle's D1 batch binds parameters
 * through the prepared query's `stmt`, which `db.run(sql)` does not set, so a parameterised raw
 * statement fails there ("reading 'bind'"). This prepares the statement on the D1 client itself.
 */
export function rawStatement(db: Db, query: SQL): BatchItem<"sqlite"> {
  const raw = db.run(query);
  const { sql } = raw.getQuery();
  Object.assign(raw, { stmt: db.$client.prepare(sql) });
  return raw;
}
