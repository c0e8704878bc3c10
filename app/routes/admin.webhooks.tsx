import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listWebhookEvents } from "../domain/billing/inbox.server";
import { replayWebhookEvent } from "../domain/billing/replay.server";
import { REPLAYABLE } from "../domain/billing/queue-policy";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm, readStatusFilter } from "../infra/http/responses.server";
import { parseStoredEvent } from "../infra/stripe/mappers.server";
import { ActionMessage, StatusFilter, useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

// The filter links (processed_webhook_events.status's values; the loader takes no other).
const STATUSES = ["", "queued", "failed", "dead_lettered", "processed", "ignored"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const status = readStatusFilter(request, STATUSES);
  return { status, events: await listWebhookEvents({ db: context.db, status: status || undefined }) };
}

const Replay = z.object({ eventId: z.string().regex(/^evt_[A-Za-z0-9]+$/, "Not an event id.") });

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  return runAction(async () => {
    const { eventId } = parseWith(Replay, await readForm(request));
    const { outcome } = await replayWebhookEvent({
      db: context.db,
      gateway: context.billing(),
      parse: parseStoredEvent,
      adminId: user.id,
      eventId,
      graceDays: context.config.PAST_DUE_GRACE_DAYS,
      appUrl: context.config.APP_URL,
      now: context.now(),
    });
    const { t } = await context.i18n();
    return t("admin:webhooks.replayed", { eventId, outcome: t(`admin:status.${outcome}`, { defaultValue: outcome }) });
  }, "Replayed.");
}

export default function AdminWebhooks() {
  const { status, events } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <section className="card">
      <h2>{t("webhooks.title")}</h2>
      <p className="muted">{t("webhooks.intro")}</p>
      <StatusFilter statuses={STATUSES} current={status} />
      <ActionMessage />
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("webhooks.received")}</th>
            <th scope="col">{t("webhooks.event")}</th>
            <th scope="col">{t("status.label")}</th>
            <th scope="col">{t("webhooks.timing")}</th>
            <th scope="col">{t("webhooks.details")}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.eventId} className={REPLAYABLE.has(e.status) ? "row-alert" : undefined}>
              <td>{f.dateTime(e.receivedAt)}</td>
              <td>
                {e.type}
                <br />
                <span className="muted">{e.eventId}</span>
              </td>
              <td>
                {t(`status.${e.status}`, { defaultValue: e.status })} ({t("attempts", { count: e.attempts, n: f.number(e.attempts) })})
                {REPLAYABLE.has(e.status) ? (
                  <Form method="post">
                    <input type="hidden" name="eventId" value={e.eventId} />
                    <SubmitButton className="button button-small" pendingLabel={t("working")}>
                      {t("webhooks.replay")}
                    </SubmitButton>
                  </Form>
                ) : null}
              </td>
              <td>{e.durationMs !== null ? `${f.number(e.durationMs)} ms` : ""}</td>
              <td>
                {e.error ? <p className={REPLAYABLE.has(e.status) ? "form-error" : "muted"}>{e.error}</p> : null}
                <details>
                  <summary>{t("webhooks.payload")}</summary>
                  <pre className="payload">{e.payload}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
