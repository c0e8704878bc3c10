import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../../db/schema";

// Built per request over the D1 binding. No relational-query schema is passed: the app uses the
// query builder only, and drizzle would rebuild that schema's relational config on every request.
export function createDb(d1: D1Database) {
  return drizzle(d1);
}

export type Db = ReturnType<typeof createDb>;
export { schema };
