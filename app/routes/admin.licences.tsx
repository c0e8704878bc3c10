import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { LICENCE_STATUSES, licenceProducts, readLicenceFilter, listLicences } from "../domain/entitlements/licences.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

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
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <section className="card">
      <h2>{t("licences.title")}</h2>
      <Form method="get" className="inline-fields">
        <div className="field">
          <label htmlFor="product">{t("licences.product")}</label>
          <select id="product" name="product" defaultValue={filter.product}>
            <option value="">{t("licences.all")}</option>
            {products.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">{t("status.label")}</label>
          <select id="status" name="status" defaultValue={filter.status}>
            <option value="">{t("licences.all")}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`, { defaultValue: s })}
              </option>
            ))}
          </select>
        </div>
        <SubmitButton pendingLabel={t("working")}>{t("filter.submit")}</SubmitButton>
        <a href={csv} download>
          {t("licences.exportCsv")}
        </a>
      </Form>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">{t("licences.tenant")}</th>
            <th scope="col">{t("licences.product")}</th>
            <th scope="col">{t("licences.source")}</th>
            <th scope="col">{t("status.label")}</th>
            <th scope="col">{t("licences.seats")}</th>
            <th scope="col">{t("licences.ends")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/admin/tenants/${r.tenantId}`}>{r.tenantName}</Link>
              </td>
              <td>{r.product}</td>
              <td>{t(`source.${r.source}`, { defaultValue: r.source })}</td>
              <td>{t(`status.${r.status}`, { defaultValue: r.status })}</td>
              <td>{r.seatsTotal > 0 ? `${f.number(r.seatsUsed)} / ${f.number(r.seatsTotal)}` : "-"}</td>
              <td>{r.validUntil ? f.dateTime(r.validUntil) : t("noEnd")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
