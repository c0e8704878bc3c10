import { isRouteErrorResponse, Link, NavLink, useActionData, useNavigation, useRouteError } from "@remix-run/react";
import { type InputHTMLAttributes } from "react";
import { AUDIT_REASON_LENGTH } from "../domain/audit/reason";
import { FormMessage } from "./field";

/** The 403 page for /admin: says who may enter, and nothing else. */
export function AdminBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 403) {
    const signedIn = (error.data as { signedIn?: boolean } | null)?.signedIn;
    return (
      <section className="card narrow">
        <h1>Admins only</h1>
        <p>This area is for system administrators.</p>
        {signedIn ? <Link to="/dashboard">Back to your dashboard</Link> : <Link to="/login?redirectTo=%2Fadmin">Log in</Link>}
      </section>
    );
  }
  if (isRouteErrorResponse(error)) {
    return (
      <section className="card narrow">
        <h1>{error.status}</h1>
        <p>{typeof error.data === "string" ? error.data : error.statusText}</p>
      </section>
    );
  }
  throw error;
}

export function AdminNav() {
  const links = [
    ["/admin/tenants", "Tenants"],
    ["/admin/licences", "Licences"],
    ["/admin/catalog", "Catalog"],
    ["/admin/software", "Software"],
    ["/admin/webhooks", "Webhook inbox"],
    ["/admin/emails", "Email outbox"],
    ["/admin/audit", "Audit log"],
    ["/admin/funnel", "Funnel"],
    ["/admin/jobs", "Jobs"],
  ] as const;
  return (
    <nav aria-label="Admin" className="admin-nav">
      <ul>
        {links.map(([to, label]) => (
          <li key={to}>
            <NavLink to={to}>{label}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Shows the last action's outcome, announced to screen readers, once the page shows it too. */
export function ActionMessage() {
  const result = useActionData<{ ok: boolean; message: string; fieldErrors?: Record<string, string[]> }>();
  // Remix commits an action's data before the loaders it revalidates have answered: wait for
  // them, so "Licence granted." never stands above a table that does not show the licence yet.
  const loading = useNavigation().state === "loading";
  if (loading) return null;
  // Admin forms are compact rows of fields: their field errors are listed under the message, by field.
  const fields = Object.entries(result?.fieldErrors ?? {});
  return (
    <FormMessage result={result}>
      {fields.map(([name, messages]) => (
        // Inside the message's <p>: phrasing content only.
        <span key={name} className="field-error-item" data-field={name}>
          {" "}
          {name}: {messages.join(" ")}
        </span>
      ))}
    </FormMessage>
  );
}

/** Links that filter an admin list by status ("" = all), the current one marked. */
export function StatusFilter(props: { statuses: readonly string[]; current: string }) {
  return (
    <nav aria-label="Filter by status" className="filter-links">
      {props.statuses.map((s) => (
        <Link key={s} to={s ? `?status=${s}` : "?"} aria-current={props.current === s ? "page" : undefined}>
          {s || "all"}
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
  return (
    <AdminField id={id} name="reason" label="Reason" required minLength={AUDIT_REASON_LENGTH.min} maxLength={AUDIT_REASON_LENGTH.max} />
  );
}

export const fmtDate = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "");
