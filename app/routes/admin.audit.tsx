import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listAudit } from "../domain/audit/audit.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

const Filter = z.object({
  tenant: z.string().max(64).catch(""),
  actor: z.string().max(64).catch(""),
  action: z.string().max(64).catch(""),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const f = Filter.parse({ tenant: "", actor: "", action: "", ...Object.fromEntries(new URL(request.url).searchParams) });
  const rows = await listAudit({
    db: context.db,
    tenantId: f.tenant || undefined,
    actor: f.actor || undefined,
    action: f.action || undefined,
  });
  return { filter: f, rows };
}

export default function AdminAudit() {
  const { filter, rows } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <section className="card">
      <h2>{t("audit.title")}</h2>
      <Form method="get" className="inline-fields">
        <div className="field">
          <label htmlFor="tenant">{t("audit.tenant")}</label>
          <input id="tenant" name="tenant" type="text" defaultValue={filter.tenant} />
        </div>
        <div className="field">
          <label htmlFor="actor">{t("audit.actor")}</label>
          <input id="actor" name="actor" type="text" defaultValue={filter.actor} />
        </div>
        <div className="field">
          <label htmlFor="action">{t("audit.action")}</label>
          <input id="action" name="action" type="text" defaultValue={filter.action} />
        </div>
        <SubmitButton pendingLabel={t("working")}>{t("filter.submit")}</SubmitButton>
      </Form>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("audit.when")}</th>
            <th scope="col">{t("audit.actorColumn")}</th>
            <th scope="col">{t("audit.actionColumn")}</th>
            <th scope="col">{t("audit.target")}</th>
            <th scope="col">{t("audit.beforeAfter")}</th>
            <th scope="col">{t("reason")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="audit-row">
              <td>{f.dateTime(r.at)}</td>
              <td>
                {r.actorType}
                <br />
                <span className="muted">{r.actorId}</span>
              </td>
              <td>{r.action}</td>
              <td>
                {r.targetType} <span className="muted">{r.targetId}</span>
              </td>
              <td>
                <code>{r.before ?? "-"}</code> → <code>{r.after ?? "-"}</code>
              </td>
              <td>{r.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
