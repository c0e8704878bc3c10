import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listOutbox, resendEmail } from "../domain/email/outbox.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm, readStatusFilter } from "../infra/http/responses.server";
import { ActionMessage, StatusFilter, useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

// The filter links (email_outbox.status's values; the loader takes no other).
const STATUSES = ["", "pending", "sending", "sent", "failed"] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const status = readStatusFilter(request, STATUSES);
  return { status, emails: await listOutbox({ db: context.db, status: status || undefined }) };
}

const Resend = z.object({ emailId: z.string().regex(/^eml_[a-z0-9]{20}$/, "Not an email id.") });

// A resend is a new outbox row (each row is sent at most once), audited with the admin's id.
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  return runAction(async () => {
    const { emailId } = parseWith(Resend, await readForm(request));
    const { id } = await resendEmail({
      db: context.db,
      id: emailId,
      actor: { type: "user", id: user.id },
      reason: "Resent from the admin console",
      now: context.now(),
    });
    context.sendEmails([id]);
    return "The email was queued again.";
  }, "Queued.");
}

export default function AdminEmails() {
  const { status, emails } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  const statusName = (s: string) => t(`status.${s}`, { defaultValue: s });
  return (
    <section className="card">
      <h2>{t("emails.title")}</h2>
      <p className="muted">{t("emails.intro")}</p>
      <StatusFilter statuses={STATUSES} current={status} />
      <ActionMessage />
      {emails.length === 0 ? <p>{status ? t("emails.noneWithStatus", { status: statusName(status) }) : t("emails.none")}</p> : null}
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("emails.created")}</th>
            <th scope="col">{t("emails.recipient")}</th>
            <th scope="col">{t("emails.email")}</th>
            <th scope="col">{t("status.label")}</th>
            <th scope="col">{t("emails.lastError")}</th>
          </tr>
        </thead>
        <tbody>
          {emails.map((e) => (
            <tr key={e.id} className={e.status === "failed" ? "row-alert" : undefined} data-testid={`email-${e.id}`}>
              <td>{f.dateTime(e.createdAt)}</td>
              <td>{e.toAddress}</td>
              <td>
                {e.subject}
                <br />
                <span className="muted">
                  {e.template} · {e.id}
                  {e.resendOf ? ` · ${t("emails.resendOf", { id: e.resendOf })}` : ""}
                </span>
              </td>
              <td>
                {statusName(e.status)} ({t("attempts", { count: e.attempts, n: f.number(e.attempts) })})
                {e.status === "sent" && e.sentAt ? <span className="muted"> {f.dateTime(e.sentAt)}</span> : null}
                {e.status === "pending" && e.attempts > 0 ? (
                  <span className="muted"> {t("emails.nextTry", { at: f.dateTime(e.nextAttemptAt) })}</span>
                ) : null}
                {e.status === "sent" || e.status === "failed" ? (
                  <Form method="post">
                    <input type="hidden" name="emailId" value={e.id} />
                    <SubmitButton className="button button-small" pendingLabel={t("working")}>
                      {t("emails.resend")}
                    </SubmitButton>
                  </Form>
                ) : null}
              </td>
              <td>{e.lastError ? <span className={e.status === "failed" ? "form-error" : "muted"}>{e.lastError}</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
