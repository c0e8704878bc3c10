import { and, eq, lte, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";

const DEFAULT_LEASE_MS = 10 * 60 * 1000;

export type LeasedRun<C> = { jobId: string; startedAt: number; counts: C; log: string[] };

/**
 * Runs `work` as one run of the scheduled job `type`, recorded as a row in `jobs`. One run at a
 * time: a second run started while one holds the lease does nothing. A run that died without
 * finishing is marked failed once its lease is over. The counts and log `work` fills in are kept,
 * and an exception marks the run failed instead of escaping.
 */
export async function runLeasedJob<C>(
  deps: { db: Db; type: string; now: () => number; leaseMs?: number },
  counts: C,
  work: (run: LeasedRun<C>) => Promise<void>,
): Promise<{ jobId: string | null; status: "skipped" | "succeeded" | "failed"; counts?: C }> {
  const { db, type } = deps;
  const startedAt = deps.now();
  const jobId = newId("job");
  await db
    .update(schema.jobs)
    .set({ status: "failed", finishedAt: startedAt, log: "lease expired before the run finished" })
    .where(and(eq(schema.jobs.type, type), eq(schema.jobs.status, "running"), lte(schema.jobs.leaseUntil, startedAt)));
  const leased = await db.run(sql`
    INSERT INTO jobs (id, type, status, started_at, lease_until)
    SELECT ${jobId}, ${type}, 'running', ${startedAt}, ${startedAt + (deps.leaseMs ?? DEFAULT_LEASE_MS)}
    WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE type = ${type} AND status = 'running' AND lease_until > ${startedAt})`);
  if (leased.meta.changes !== 1) return { jobId: null, status: "skipped" };

  const log: string[] = [];
  let status: "succeeded" | "failed" = "succeeded";
  try {
    await work({ jobId, startedAt, counts, log });
  } catch (e) {
    status = "failed";
    log.push(`failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  await db
    .update(schema.jobs)
    .set({ status, finishedAt: deps.now(), leaseUntil: null, counts: JSON.stringify(counts), log: log.join("\n").slice(0, 20_000) })
    .where(eq(schema.jobs.id, jobId));
  return { jobId, status, counts };
}
