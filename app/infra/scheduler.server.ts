import { runVersionFeedJob } from "../domain/jobs/version-feed.server";
import { runReconciliation } from "../domain/jobs/reconcile.server";
import { deliverOutbox } from "../domain/email/outbox.server";
import { createDb } from "./d1/db.server";
import { cloudflareEmailSender } from "./email/sender.server";
import { readConfig } from "./env.server";
import { createStripeClient } from "./stripe/client.server";
import { createBillingGateway } from "./stripe/gateway.server";

// wrangler.toml [triggers]: this one only retries the email outbox; the other runs the jobs.
export const OUTBOX_CRON = "* * * * *";

/** What a Cron Trigger runs: every minute the email outbox; every 15 the reconciliation and version feed jobs. */
export async function runScheduledJobs(deps: { env: Env; cron: string }) {
  const config = readConfig(deps.env);
  if (deps.cron === OUTBOX_CRON) {
    const sender = cloudflareEmailSender(deps.env.EMAIL, config.EMAIL_FROM);
    const counts = await deliverOutbox({ db: createDb(deps.env.DB), sender, now: () => Date.now(), limit: 100 });
    if (counts.sent + counts.retrying + counts.failed + counts.abandoned > 0) console.info(`scheduled ${deps.cron}: email outbox`, counts);
    return counts;
  }
  const result = await runReconciliation({
    db: createDb(deps.env.DB),
    gateway: createBillingGateway(() => createStripeClient(config)),
    graceDays: config.PAST_DUE_GRACE_DAYS,
    appUrl: config.APP_URL,
    now: () => Date.now(),
  });
  console.info(`scheduled ${deps.cron}: reconcile ${result.status}`, result.counts ?? "");
  const feeds = await runVersionFeedJob({ db: createDb(deps.env.DB), files: deps.env.FILES, now: () => Date.now() });
  console.info(`scheduled ${deps.cron}: version feeds ${feeds.status}`, feeds.counts ?? "");
  return result;
}
