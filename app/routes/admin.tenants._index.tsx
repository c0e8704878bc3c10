import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { searchTenants } from "../domain/tenants/admin.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const q = (new URL(request.url).searchParams.get("q") ?? "").slice(0, 100);
  return { q, tenants: await searchTenants({ db: context.db, q, now: context.now() }) };
}

export default function AdminTenants() {
  const { q, tenants } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <section className="card">
      <h2>{t("tenants.title")}</h2>
      <Form method="get" className="inline-fields" role="search">
        <div className="field">
          <label htmlFor="q">{t("tenants.search")}</label>
          <input id="q" name="q" type="text" defaultValue={q} />
        </div>
        <SubmitButton pendingLabel={t("working")}>{t("tenants.searchButton")}</SubmitButton>
        <Link to="/admin/tenants/new">{t("tenants.createLink")}</Link>
      </Form>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("tenants.tenant")}</th>
            <th scope="col">{t("tenants.members")}</th>
            <th scope="col">{t("tenants.live")}</th>
            <th scope="col">{t("tenants.compliance")}</th>
            <th scope="col">{t("tenants.created")}</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((tenant) => (
            <tr key={tenant.id} data-testid={`tenant-${tenant.slug}`}>
              <td>
                <Link to={`/admin/tenants/${tenant.id}`}>{tenant.name}</Link> <span className="muted">{tenant.slug}</span>
              </td>
              <td>{f.number(tenant.members)}</td>
              <td>{f.number(tenant.liveEntitlements)}</td>
              <td>{t(`status.${tenant.complianceStatus}`, { defaultValue: tenant.complianceStatus })}</td>
              <td>{f.dateTime(tenant.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tenants.length === 0 ? <p>{t("tenants.none")}</p> : null}
    </section>
  );
}
