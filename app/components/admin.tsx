import { isRouteErrorResponse, Link, NavLink, useActionData, useNavigation, useRouteError } from "@remix-run/react";
import { type InputHTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import { AUDIT_REASON_LENGTH } from "../domain/audit/reason";
import { formatBytes, formatDate, formatDateTime, formatMoney, formatNumber } from "../i18n/format";
import { routeErrorMessage, translateMessage } from "../i18n/messages";
import { usePageLocale } from "../i18n/use-page-locale";
import { FormMessage } from "./field";

/** The 403 page for /admin: says who may enter, and nothing else. */
export function AdminBoundary() {
  const error = useRouteError();
  const { t } = useTranslation("admin");
  if (isRouteErrorResponse(error) && error.status === 403) {
    const signedIn = (error.data as { signedIn?: boolean } | null)?.signedIn;
    return (
      <section className="card narrow">
        <h1>{t("boundary.title")}</h1>
        <p>{t("boundary.body")}</p>
        {signedIn ? (
          <Link to="/dashboard">{t("boundary.dashboard")}</Link>
        ) : (
          <Link to="/login?redirectTo=%2Fadmin">{t("common:nav.logIn")}</Link>
        )}
      </section>
    );
  }
  if (isRouteErrorResponse(error)) {
    return (
      <section className="card narrow">
        <h1>{error.status}</h1>
        <p>{routeErrorMessage(t, error.data) ?? t(`common:error.status.${error.status}`, { defaultValue: error.statusText })}</p>
      </section>
    );
  }
  throw error;
}

export function AdminNav() {
  const { t } = useTranslation("admin");
  const links = [
    ["/admin/tenants", "tenants"],
    ["/admin/licences", "licences"],
    ["/admin/catalog", "catalog"],
    ["/admin/software", "software"],
    ["/admin/webhooks", "webhooks"],
    ["/admin/emails", "emails"],
    ["/admin/audit", "audit"],
    ["/admin/funnel", "funnel"],
    ["/admin/jobs", "jobs"],
  ] as const;
  return (
    <nav aria-label={t("nav.label")} className="admin-nav">
      <ul>
        {links.map(([to, key]) => (
          <li key={to}>
            <NavLink to={to}>{t(`nav.${key}`)}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Shows the last action's outcome, announced to screen readers, once the page shows it too. */
export function ActionMessage() {
  const { t } = useTranslation();
  const result = useActionData<{ ok: boolean; message: string; fieldErrors?: Record<string, string[]> }>();
  // Remix commits an action's data before the loaders it revalidates have answered: wait for
  // them, so "Licence granted." never stands above a table that does not show the licence yet.
  const loading = useNavigation().state === "loading";
  if (loading) return null;
  // Admin forms are compact rows of fields: their field errors are listed under the message, by the
  // field's label (its name where the page has no word for it).
  const fields = Object.entries(result?.fieldErrors ?? {});
  return (
    <FormMessage result={result}>
      {fields.map(([name, messages]) => (
        // Inside the message's <p>: phrasing content only.
        <span key={name} className="field-error-item" data-field={name}>
          {" "}
          {t("admin:fieldError", {
            field: t(`admin:field.${name}`, { defaultValue: name }),
            message: messages.map((m) => translateMessage(t, m)).join(" "),
          })}
        </span>
      ))}
    </FormMessage>
  );
}

/** Links that filter an admin list by status ("" = all), the current one marked. */
export function StatusFilter(props: { statuses: readonly string[]; current: string }) {
  const { t } = useTranslation("admin");
  return (
    <nav aria-label={t("filter.label")} className="filter-links">
      {props.statuses.map((s) => (
        <Link key={s} to={s ? `?status=${s}` : "?"} aria-current={props.current === s ? "page" : undefined}>
          {s ? t(`status.${s}`, { defaultValue: s }) : t("filter.all")}
        </Link>
      ))}
    </nav>
  );
}

/** One labelled input of an admin form (its errors are listed by ActionMessage, by field name). */
export function AdminField({ label, id, ...input }: { label: string; id: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" {...input} />
    </div>
  );
}

/** The reason an admin gives for an audited change, bounded as AuditReason bounds it. */
export function ReasonField({ id }: { id: string }) {
  const { t } = useTranslation("admin");
  return (
    <AdminField
      id={id}
      name="reason"
      label={t("reason")}
      required
      minLength={AUDIT_REASON_LENGTH.min}
      maxLength={AUDIT_REASON_LENGTH.max}
    />
  );
}

/**
 * Dates, numbers, money and sizes in the page's language (ADR 023); times to the minute in UTC, as
 * stored. An absent moment is an empty cell.
 */
export function useAdminFormat() {
  const locale = usePageLocale();
  return {
    locale,
    dateTime: (ms: number | null | undefined) => (ms ? formatDateTime(ms, locale) : ""),
    date: (ms: number) => formatDate(ms, locale),
    number: (n: number) => formatNumber(n, locale),
    money: (amountMinor: number, currency: string) => formatMoney(amountMinor, currency, locale),
    bytes: (n: number) => formatBytes(n, locale),
  };
}
