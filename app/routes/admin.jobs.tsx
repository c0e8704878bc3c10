import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { listJobRuns } from "../domain/jobs/reconcile.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { useAdminFormat } from "../components/admin";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return { runs: await listJobRuns({ db: context.db }) };
}

export default function AdminJobs() {
  const { runs } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <section className="card">
      <h2>{t("jobs.title")}</h2>
      <p className="muted">{t("jobs.intro")}</p>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("jobs.started")}</th>
            <th scope="col">{t("jobs.job")}</th>
            <th scope="col">{t("status.label")}</th>
            <th scope="col">{t("jobs.counts")}</th>
            <th scope="col">{t("jobs.log")}</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-testid="job-run" className={r.status === "failed" ? "row-alert" : undefined}>
              <td>
                {f.dateTime(r.startedAt)}
                {r.finishedAt ? ` (${f.number(Math.max(0, r.finishedAt - r.startedAt))} ms)` : ""}
              </td>
              <td>{r.type}</td>
              <td>{t(`status.${r.status}`, { defaultValue: r.status })}</td>
              <td>
                <code>{r.counts}</code>
              </td>
              <td>
                <details>
                  <summary>{t("jobs.log")}</summary>
                  <pre className="payload">{r.log}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length === 0 ? <p>{t("jobs.none")}</p> : null}
    </section>
  );
}
