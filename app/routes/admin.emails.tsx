import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listOutbox, resendEmail } from "../domain/email/outbox.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm, readStatusFilter } from "../infra/http/responses.server";
import { ActionMessage, fmtDate, StatusFilter } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

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
  return (
    <section className="card">
      <h2>Email outbox</h2>
      <p className="muted">
        Every email Gatehouse sends, newest first. Failed sends are retried with backoff, then marked failed with the error.
      </p>
      <StatusFilter statuses={STATUSES} current={status} />
      <ActionMessage />
      {emails.length === 0 ? <p>No emails{status ? ` with status ${status}` : ""}.</p> : null}
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Recipient</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {emails.map((e) => (
            <tr key={e.id} className={e.status === "failed" ? "row-alert" : undefined} data-testid={`email-${e.id}`}>
              <td>{fmtDate(e.createdAt)}</td>
              <td>{e.toAddress}</td>
              <td>
                {e.subject}
                <br />
                <span className="muted">
                  {e.template} · {e.id}
                  {e.resendOf ? ` · resend of ${e.resendOf}` : ""}
                </span>
              </td>
              <td>
                {e.status} ({e.attempts} attempt{e.attempts === 1 ? "" : "s"})
                {e.status === "sent" && e.sentAt ? <span className="muted"> {fmtDate(e.sentAt)}</span> : null}
                {e.status === "pending" && e.attempts > 0 ? <span className="muted"> next try {fmtDate(e.nextAttemptAt)}</span> : null}
                {e.status === "sent" || e.status === "failed" ? (
                  <Form method="post">
                    <input type="hidden" name="emailId" value={e.id} />
                    <SubmitButton className="button button-small" pendingLabel="Working...">
                      Resend
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
