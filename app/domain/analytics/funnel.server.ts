import { and, inArray, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { FUNNEL_EVENTS } from "./funnel";

/** Counts of each funnel event per UTC day for the last `days` days (zero-filled). */
export async function funnelByDay(deps: { db: Db; days: number; now: number }) {
  const DAY = 86_400_000;
  const end = Math.floor(deps.now / DAY) * DAY + DAY;
  const start = end - deps.days * DAY;
  const rows = await deps.db
    .select({
      // An integer literal: a bound JS number arrives as REAL and would make this a float division.
      day: sql<number>`(${schema.analyticsEvents.at} / ${sql.raw(String(DAY))}) * ${sql.raw(String(DAY))}`,
      name: schema.analyticsEvents.name,
      n: sql<number>`count(*)`,
    })
    .from(schema.analyticsEvents)
    .where(
      and(
        inArray(schema.analyticsEvents.name, [...FUNNEL_EVENTS]),
        sql`${schema.analyticsEvents.at} >= ${start}`,
        sql`${schema.analyticsEvents.at} < ${end}`,
      ),
    )
    .groupBy(sql`1`, schema.analyticsEvents.name);
  const days = Array.from({ length: deps.days }, (_, i) => start + i * DAY);
  return days.map((day) => ({
    day,
    counts: Object.fromEntries(
      FUNNEL_EVENTS.map((name) => [name, Number(rows.find((r) => Number(r.day) === day && r.name === name)?.n ?? 0)]),
    ) as Record<(typeof FUNNEL_EVENTS)[number], number>,
  }));
}
