import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { listJobRuns } from "../domain/jobs/reconcile.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { fmtDate } from "../components/admin";

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return { runs: await listJobRuns({ db: context.db }) };
}

export default function AdminJobs() {
  const { runs } = useLoaderData<typeof loader>();
  return (
    <section className="card">
      <h2>Scheduled job runs</h2>
      <p className="muted">The reconciliation runs on the Cron Trigger; locally, `wrangler dev --test-scheduled` and open /__scheduled.</p>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col">Counts</th>
            <th scope="col">Log</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-testid="job-run" className={r.status === "failed" ? "row-alert" : undefined}>
              <td>
                {fmtDate(r.startedAt)}
                {r.finishedAt ? ` (${Math.max(0, r.finishedAt - r.startedAt)} ms)` : ""}
              </td>
              <td>{r.type}</td>
              <td>{r.status}</td>
              <td>
                <code>{r.counts}</code>
              </td>
              <td>
                <details>
                  <summary>Log</summary>
                  <pre className="payload">{r.log}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length === 0 ? <p>No runs yet.</p> : null}
    </section>
  );
}
