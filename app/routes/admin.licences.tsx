import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { LICENCE_STATUSES, licenceProducts, readLicenceFilter, listLicences } from "../domain/entitlements/licences.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { fmtDate } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const products = await licenceProducts({ db: context.db });
  const filter = readLicenceFilter(
    request.url,
    products.map((p) => p.key),
  );
  const rows = await listLicences({ db: context.db, filter, now: context.now() });
  return { filter, rows, statuses: LICENCE_STATUSES, products };
}

export default function AdminLicences() {
  const { filter, rows, statuses, products } = useLoaderData<typeof loader>();
  const csv = `/admin/licences.csv?${new URLSearchParams(filter)}`;
  return (
    <section className="card">
      <h2>Licences</h2>
      <Form method="get" className="inline-fields">
        <div className="field">
          <label htmlFor="product">Product</label>
          <select id="product" name="product" defaultValue={filter.product}>
            <option value="">All</option>
            {products.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={filter.status}>
            <option value="">All</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <SubmitButton pendingLabel="Working...">Filter</SubmitButton>
        <a href={csv} download>
          Export CSV
        </a>
      </Form>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Product</th>
            <th scope="col">Source</th>
            <th scope="col">Status</th>
            <th scope="col">Seats used / total</th>
            <th scope="col">Ends</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/admin/tenants/${r.tenantId}`}>{r.tenantName}</Link>
              </td>
              <td>{r.product}</td>
              <td>{r.source}</td>
              <td>{r.status}</td>
              <td>{r.seatsTotal > 0 ? `${r.seatsUsed} / ${r.seatsTotal}` : "-"}</td>
              <td>{r.validUntil ? fmtDate(r.validUntil) : "no end"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
