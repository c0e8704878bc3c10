import { runVersionFeedJob } from "../domain/downloads/software.server";
import { runReconciliation } from "../domain/jobs/reconcile.server";
import { createDb } from "./d1/db.server";
import { readConfig } from "./env.server";
import { createStripeClient } from "./stripe/client.server";
import { createBillingGateway } from "./stripe/gateway.server";

/** What a Cron Trigger runs: the reconciliation job, then the version feed job. */
export async function runScheduledJobs(deps: { env: Env; cron: string }) {
  const config = readConfig(deps.env);
  const result = await runReconciliation({
    db: createDb(deps.env.DB),
    gateway: createBillingGateway(() => createStripeClient(config)),
    graceDays: config.PAST_DUE_GRACE_DAYS,
    now: () => Date.now(),
  });
  console.info(`scheduled ${deps.cron}: reconcile ${result.status}`, result.counts ?? "");
  const feeds = await runVersionFeedJob({ db: createDb(deps.env.DB), files: deps.env.FILES, now: () => Date.now() });
  console.info(`scheduled ${deps.cron}: version feeds ${feeds.status}`, feeds.counts ?? "");
  return result;
}
