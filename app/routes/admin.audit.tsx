import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listAudit } from "../domain/audit/audit.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { fmtDate } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

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
  return (
    <section className="card">
      <h2>Audit log</h2>
      <Form method="get" className="inline-fields">
        <div className="field">
          <label htmlFor="tenant">Tenant id</label>
          <input id="tenant" name="tenant" type="text" defaultValue={filter.tenant} />
        </div>
        <div className="field">
          <label htmlFor="actor">Actor (user id, event id, or user / stripe_event / scheduler)</label>
          <input id="actor" name="actor" type="text" defaultValue={filter.actor} />
        </div>
        <div className="field">
          <label htmlFor="action">Action (prefix, e.g. entitlement.)</label>
          <input id="action" name="action" type="text" defaultValue={filter.action} />
        </div>
        <SubmitButton pendingLabel="Working...">Filter</SubmitButton>
      </Form>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Before → after</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="audit-row">
              <td>{fmtDate(r.at)}</td>
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
