import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { searchTenants } from "../domain/tenants/admin.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { fmtDate } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const q = (new URL(request.url).searchParams.get("q") ?? "").slice(0, 100);
  return { q, tenants: await searchTenants({ db: context.db, q, now: context.now() }) };
}

export default function AdminTenants() {
  const { q, tenants } = useLoaderData<typeof loader>();
  return (
    <section className="card">
      <h2>Tenants</h2>
      <Form method="get" className="inline-fields" role="search">
        <div className="field">
          <label htmlFor="q">Search by name, slug, id, Stripe customer or member email</label>
          <input id="q" name="q" type="text" defaultValue={q} />
        </div>
        <SubmitButton pendingLabel="Working...">Search</SubmitButton>
        <Link to="/admin/tenants/new">Create a tenant for a named owner</Link>
      </Form>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Members</th>
            <th scope="col">Live entitlements</th>
            <th scope="col">Compliance</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((t) => (
            <tr key={t.id}>
              <td>
                <Link to={`/admin/tenants/${t.id}`}>{t.name}</Link> <span className="muted">{t.slug}</span>
              </td>
              <td>{t.members}</td>
              <td>{t.liveEntitlements}</td>
              <td>{t.complianceStatus}</td>
              <td>{fmtDate(t.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tenants.length === 0 ? <p>No tenants match.</p> : null}
    </section>
  );
}
