import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { z } from "zod";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { Trans, useTranslation } from "react-i18next";
import { latestFromRows, latestStatement } from "../domain/software/catalog.server";
import { clientSummariesFromRows, observedClientsStatement } from "../domain/software/client-licences.server";
import { resumeTenantSubscription, tenantsWithCardOnFile } from "../domain/billing/resume.server";
import { type EntitlementView } from "../domain/entitlements/access";
import { canManage } from "../domain/seats/rules";
import { dashboardFromRows, dashboardStatements, type PlanSummary } from "../domain/tenants/dashboard.server";
import { invitationsStatement, type OpenInvitation } from "../domain/tenants/members.server";
import { requirePage, requireSession } from "../infra/auth/guards.server";
import { SESSION_USER } from "../infra/d1/page-read.server";
import { SubmitButton } from "../components/submit-button";
import { runAction } from "../infra/http/action-result.server";
import { readForm } from "../infra/http/responses.server";
import { pageTitle } from "../infra/i18n/locale.server";
import { formatBytes, formatDate } from "../i18n/format";
import { type MessageI18n } from "../domain/errors";
import { translateMessage } from "../i18n/messages";
import { usePageLocale } from "../i18n/use-page-locale";

export const handle = { i18n: ["billing"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const now = context.now();
  // Session, access and every read below in one D1 round trip (ADR 022).
  const { session, access, rows } = await requirePage(context, request, (d1, key) => [
    ...dashboardStatements(d1, SESSION_USER, key),
    observedClientsStatement(d1, SESSION_USER, key, now),
    invitationsStatement(d1, SESSION_USER, key),
    latestStatement(d1, SESSION_USER, key),
  ]);
  const { user } = session;
  const [memberships, plans, observed, invitations, latest] = rows;
  const tenants = dashboardFromRows([memberships!, plans!], now, await context.locale());
  // Downloads and client compliance (ADR 008): the latest versions this user may download, per request.
  const downloads = latestFromRows(latest!, { userId: user.id, isSystemAdmin: user.isSystemAdmin, access });
  const active = tenants.filter((t) => t.status === "active");
  const clients = clientSummariesFromRows(observed!, Object.fromEntries(active.map((t) => [t.tenantId, t.seats.licensed])));
  // A paused plan whose customer already has a card can be resumed from here by an owner or admin.
  const pausedManaged = tenants.filter((t) => canManage(t.role) && t.plans.some((p) => p.status === "paused"));
  const resumable = await tenantsWithCardOnFile({
    gateway: context.billing(),
    tenants: pausedManaged.map((t) => ({ id: t.tenantId, customerId: t.customerId })),
  });
  return {
    title: await pageTitle(context, "billing:dashboard.title"),
    email: user.email,
    emailVerified: user.emailVerified,
    invitations: invitations as OpenInvitation[],
    downloads,
    clients,
    resumable,
    isSystemAdmin: user.isSystemAdmin,
    tenants: tenants.map(({ customerId: _customerId, ...t }) => t),
    access: { organization: access.organization, accelerator: access.accelerator },
  };
}

const ResumeInput = z.object({ intent: z.literal("resume-subscription"), slug: z.string().trim().min(1).max(64) });

// "Resume subscription" on a paused banner: the domain call checks that the user is an owner or admin
// of that tenant (403), that something is paused (409) and that a card is on file (422).
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  const which = { slug: "" };
  return runAction(
    async (form) => {
      const raw = await readForm(request);
      which.slug = raw.slug ?? "";
      const input = form.parse(raw, ResumeInput);
      return resumeTenantSubscription({
        db: context.db,
        gateway: context.billing(),
        userId: user.id,
        slug: input.slug,
        now: context.now(),
      });
    },
    "Payment received: the subscription is resuming, and its features come back as soon as Stripe confirms it.",
    which,
  );
}

/** A day in the page's language (2 Jan 2027, 2 jan. 2027, 2 janv. 2027), or nothing. */
function useDate() {
  const locale = usePageLocale();
  return (ms: number | null) => (ms ? formatDate(ms, locale) : "");
}

function PlanStatus({ plan }: { plan: PlanSummary }) {
  const { t } = useTranslation("billing");
  const date = useDate();
  switch (plan.status) {
    case "active":
      return (
        <>
          <span className="badge">{t("dashboard.plan.active")}</span>{" "}
          {plan.cancelAtPeriodEnd && plan.validUntil
            ? t("dashboard.plan.ends", { date: date(plan.validUntil) })
            : plan.renewsAt
              ? t("dashboard.plan.renews", { date: date(plan.renewsAt) })
              : plan.validUntil
                ? t("dashboard.plan.until", { date: date(plan.validUntil) })
                : t("dashboard.plan.lifetime")}
        </>
      );
    case "trialing":
      return (
        <>
          <span className="badge">{t("dashboard.plan.trial")}</span> {t("dashboard.plan.until", { date: date(plan.trialEndsAt) })}
        </>
      );
    case "past_due":
      return (
        <>
          <span className="badge">{t("dashboard.plan.pastDue")}</span> {t("dashboard.plan.accessUntil", { date: date(plan.graceUntil) })}
        </>
      );
    case "paused":
      return (
        <>
          <span className="badge">{t("dashboard.plan.paused")}</span> {t("dashboard.plan.addToResume")}
        </>
      );
    default:
      return (
        <span className="badge">
          {t(
            plan.status === "revoked"
              ? "dashboard.plan.revoked"
              : plan.status === "expired"
                ? "dashboard.plan.expired"
                : "dashboard.plan.canceled",
          )}
        </span>
      );
  }
}

function Why({
  label,
  decision,
}: {
  label: string;
  decision: { granted: boolean; via: string | null; entitlement: EntitlementView | null; reason: string | null };
}) {
  const { t } = useTranslation("billing");
  const date = useDate();
  const e = decision.entitlement;
  if (decision.via === "system_admin") return <li>{t("dashboard.why.admin", { label })}</li>;
  if (decision.granted && e) {
    return (
      <li>
        <Trans
          t={t}
          i18nKey="dashboard.why.granted"
          values={{
            label,
            organisation: e.tenantName,
            source: t(`dashboard.why.source.${e.source}`, { defaultValue: e.source }),
            since: date(e.validFrom),
            until: e.validUntil ? t("dashboard.why.untilPart", { date: date(e.validUntil) }) : "",
            seat: e.seatBased ? t("dashboard.why.seatPart") : "",
          }}
          components={{ strong: <strong /> }}
        />
      </li>
    );
  }
  const organisation = e?.tenantName;
  return (
    <li>
      {t("dashboard.why.no", { label })}{" "}
      {decision.reason === "switched_off"
        ? t("dashboard.why.switchedOff", { label })
        : decision.reason === "needs_seat" && e
          ? t("dashboard.why.needsSeat", { label, organisation })
          : decision.reason === "paused" && e
            ? t("dashboard.why.paused", { label, organisation })
            : decision.reason === "not_live" && e
              ? t("dashboard.why.notLive", {
                  label,
                  organisation,
                  status: t(`dashboard.why.status.${e.status}`, { defaultValue: e.status }),
                })
              : t("dashboard.why.none", { label })}
    </li>
  );
}

/** Resumes with the card already on file (pay first); the outcome shows in the banner, access follows Stripe's events. */
function ResumeSubscription({ slug, result }: { slug: string; result: { ok: boolean; message: string; i18n?: MessageI18n } | null }) {
  const { t } = useTranslation("billing");
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="slug" value={slug} />
      <SubmitButton
        name="intent"
        value="resume-subscription"
        className="button button-small button-secondary"
        pendingLabel={t("dashboard.resuming")}
      >
        {t("dashboard.resume")}
      </SubmitButton>
      {result ? (
        <span role={result.ok ? "status" : "alert"} data-testid="resume-result">
          {" "}
          {translateMessage(t, result.message, result.i18n)}
        </span>
      ) : null}
    </Form>
  );
}

export default function Dashboard() {
  const { email, emailVerified, tenants, access, invitations, downloads, clients, resumable } = useLoaderData<typeof loader>();
  const resumeResult = useActionData<typeof action>();
  const [params] = useSearchParams();
  const { t } = useTranslation("billing");
  const date = useDate();
  const locale = usePageLocale();
  return (
    <>
      <h1>{t("dashboard.title")}</h1>
      <p className="muted">
        {t("dashboard.signedInAs", { email })} · <Link to="/account">{t("dashboard.accountSettings")}</Link>
      </p>
      {params.get("reset") === "1" ? (
        <p className="notice" role="status">
          {t("dashboard.passwordReset")}
        </p>
      ) : null}
      {emailVerified ? null : (
        <section className="card callout" aria-labelledby="verify-title">
          <h2 id="verify-title">{t("dashboard.verifyTitle")}</h2>
          <p>{t("dashboard.verifyBody", { email })}</p>
          <Form method="post" action="/account">
            <SubmitButton
              name="intent"
              value="resend-verification"
              className="button button-small button-secondary"
              pendingLabel={t("dashboard.sending")}
            >
              {t("dashboard.resend")}
            </SubmitButton>
          </Form>
        </section>
      )}
      {invitations.length > 0 ? (
        <section className="card" aria-labelledby="invitations-title">
          <h2 id="invitations-title">{t("dashboard.invitationsTitle")}</h2>
          <ul>
            {invitations.map((i) => (
              <li key={i.id}>
                <Trans
                  t={t}
                  i18nKey={i.role === "admin" ? "dashboard.invitedAdmin" : "dashboard.invitedMember"}
                  values={{ organisation: i.tenantName }}
                  components={{ strong: <strong /> }}
                />
              </li>
            ))}
          </ul>
          <Link to="/invitations" className="button button-small">
            {t("dashboard.reviewInvitations")}
          </Link>
        </section>
      ) : null}
      <section className="card" aria-labelledby="why-title">
        <h2 id="why-title">{t("dashboard.whyTitle")}</h2>
        <ul>
          <Why label="Organization" decision={access.organization} />
          <Why label="Accelerator" decision={access.accelerator} />
        </ul>
      </section>
      {downloads ? (
        <section className="card" aria-labelledby="downloads-title">
          <h2 id="downloads-title">{t("dashboard.downloadsTitle")}</h2>
          {downloads.length === 0 ? <p>{t("dashboard.noSoftware")}</p> : null}
          {downloads.length > 0 ? (
            // A phone scrolls the table, not the page; the region is focusable so a keyboard can scroll it too.
            <div className="table-scroll" role="region" aria-labelledby="downloads-title" tabIndex={0}>
              <table className="tiers" data-testid="downloads">
                <thead>
                  <tr>
                    <th scope="col">{t("dashboard.colApplication")}</th>
                    <th scope="col">{t("dashboard.colLatest")}</th>
                    <th scope="col">{t("dashboard.colSize")}</th>
                    <th scope="col">SHA-256</th>
                    <th scope="col">{t("dashboard.colDownload")}</th>
                  </tr>
                </thead>
                <tbody>
                  {downloads.map((a) => (
                    <tr key={a.id}>
                      <td>
                        {a.name} <span className="muted">{t("dashboard.byVendor", { vendor: a.vendor })}</span>
                        {a.catalog.ownerType === "tenant" ? <span className="muted"> · {a.catalog.name}</span> : null}
                      </td>
                      <td>{a.latest.version}</td>
                      <td>{formatBytes(a.latest.size, locale)}</td>
                      <td>
                        <code className="wrap">{a.latest.sha256}</code>
                      </td>
                      <td>
                        <a href={a.latest.downloadUrl} download>
                          {t("dashboard.downloadLink", { name: a.name, version: a.latest.version })}
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </section>
      ) : null}
      {tenants.length === 0 ? (
        <section className="card">
          <h2>{t("dashboard.noOrgTitle")}</h2>
          <p>{t("dashboard.noOrgBody")}</p>
          <Link to="/pricing" className="button">
            {t("dashboard.seePlans")}
          </Link>
          <p>
            {t("dashboard.haveOne")} <Link to="/join">{t("dashboard.joinWithCode")}</Link>.
          </p>
        </section>
      ) : (
        tenants.map((tenant) => (
          <section className="card" key={tenant.tenantId} aria-labelledby={`tenant-${tenant.tenantId}`}>
            <h2 id={`tenant-${tenant.tenantId}`}>
              {tenant.tenantName} <span className="badge">{t(`dashboard.role.${tenant.role}`, { defaultValue: tenant.role })}</span>
            </h2>
            {tenant.status === "pending" ? <p className="muted">{t("dashboard.pendingApproval")}</p> : null}
            {tenant.status === "active" && tenant.seats.compliance === "over_limit" ? (
              <p className="banner-warning" role="alert" data-testid="compliance">
                {t("dashboard.overLicence", {
                  count: tenant.seats.licensed,
                  observed: tenant.seats.observed,
                  licensed: tenant.seats.licensed,
                })}{" "}
                {canManage(tenant.role)
                  ? t("dashboard.overManage", { excess: tenant.seats.observed - tenant.seats.licensed })
                  : t("dashboard.overAsk")}
              </p>
            ) : null}
            {tenant.status === "active" && tenant.seats.licensed > 0 && !tenant.hasSeat ? (
              <p className="notice" role="status" data-testid="needs-seat">
                {t("dashboard.needsSeat", { organisation: tenant.tenantName })}{" "}
                {canManage(tenant.role) ? t("dashboard.assignSelf") : t("dashboard.askAssign")}
              </p>
            ) : null}
            {tenant.status === "active" && tenant.seats.licensed > 0 ? (
              <p data-testid="licence">
                <Trans
                  t={t}
                  i18nKey="dashboard.licence"
                  values={{
                    observed: tenant.seats.observed,
                    licensed: tenant.seats.licensed,
                    state: t(tenant.seats.compliance === "ok" ? "dashboard.withinLicence" : "dashboard.overLicenceState"),
                  }}
                  components={{ strong: <strong /> }}
                />
              </p>
            ) : null}
            {tenant.status === "active" &&
            clients[tenant.tenantId] &&
            (clients[tenant.tenantId]!.licensed > 0 || clients[tenant.tenantId]!.observed > 0) ? (
              <p
                data-testid="clients"
                className={clients[tenant.tenantId]!.compliance === "over_limit" ? "banner-warning" : undefined}
                role={clients[tenant.tenantId]!.compliance === "over_limit" ? "alert" : undefined}
              >
                <Trans
                  t={t}
                  i18nKey="dashboard.clients"
                  values={{
                    observed: clients[tenant.tenantId]!.observed,
                    licensed: clients[tenant.tenantId]!.licensed,
                    state: t(clients[tenant.tenantId]!.compliance === "ok" ? "dashboard.withinLicence" : "dashboard.overLicenceState"),
                  }}
                  components={{ strong: <strong /> }}
                />
              </p>
            ) : null}
            {tenant.plans
              .filter((p) => p.status === "past_due")
              .map((p) => (
                <p className="banner-warning" role="alert" key={`pd-${p.entitlementId}`}>
                  {t("dashboard.pastDue", { product: p.product.name, date: date(p.graceUntil) })}
                </p>
              ))}
            {tenant.plans
              .filter((p) => p.status === "paused")
              .map((p) => (
                <div className="banner-warning" role="alert" key={`pa-${p.entitlementId}`} data-testid={`paused-${p.product.key}`}>
                  <p>{t("dashboard.pausedBanner", { organisation: tenant.tenantName, product: p.product.name })}</p>
                  {canManage(tenant.role) ? (
                    <>
                      <Form method="post" action={`/org/${tenant.tenantSlug}/billing-portal`} reloadDocument className="inline-form">
                        <SubmitButton className="button button-small" pendingLabel={t("dashboard.openingBilling")} reloadDocument>
                          {t("dashboard.addPayment")}
                        </SubmitButton>
                      </Form>
                      {resumable.includes(tenant.tenantId) ? (
                        <ResumeSubscription
                          slug={tenant.tenantSlug}
                          result={resumeResult?.slug === tenant.tenantSlug ? resumeResult : null}
                        />
                      ) : null}
                    </>
                  ) : (
                    <p>{t("dashboard.askAdd", { organisation: tenant.tenantName })}</p>
                  )}
                </div>
              ))}
            {tenant.plans
              .filter((p) => p.trialEndingSoon)
              .map((p) => (
                <p className="notice" role="status" key={`tr-${p.entitlementId}`}>
                  {t("dashboard.trialEnds", { product: p.product.name, date: date(p.trialEndsAt) })}
                </p>
              ))}
            {tenant.plans.length === 0 && tenant.status === "active" ? <p>{t("dashboard.noPlans")}</p> : null}
            {tenant.plans.length > 0 ? (
              <table className="tiers">
                <thead>
                  <tr>
                    <th scope="col">{t("dashboard.colProduct")}</th>
                    <th scope="col">{t("dashboard.colStatus")}</th>
                    <th scope="col">{t("dashboard.colSeatsUsed")}</th>
                  </tr>
                </thead>
                <tbody>
                  {tenant.plans.map((p) => (
                    <tr key={p.entitlementId} data-testid={`plan-${p.product.key}`}>
                      <td>
                        {p.product.name}
                        {p.tier ? ` (${p.tier})` : ""}
                        {p.source === "trial" ? t("dashboard.viaTrial") : p.source === "admin_grant" ? t("dashboard.viaGrant") : ""}
                      </td>
                      <td>
                        <PlanStatus plan={p} />
                      </td>
                      <td>{p.seatsTotal > 0 ? `${p.seatsUsed} / ${p.seatsTotal}` : "-"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {tenant.status === "active" ? (
              // A div, not a p: the billing form cannot sit inside a paragraph (the browser would
              // close the p before it and React's hydration would no longer match the server's HTML).
              <div className="actions">
                <Link to={`/org/${tenant.tenantSlug}/roadmap`}>{t("dashboard.roadmap")}</Link>
                {canManage(tenant.role) ? (
                  <>
                    {" · "}
                    <Link to={`/org/${tenant.tenantSlug}/members`}>{t("dashboard.members")}</Link>
                    {" · "}
                    <Link to={`/org/${tenant.tenantSlug}/billing`}>{t("dashboard.billing")}</Link>
                    {" · "}
                    <Link to={`/org/${tenant.tenantSlug}/software`}>{t("dashboard.software")}</Link>
                  </>
                ) : null}
                {canManage(tenant.role) ? (
                  <Form method="post" action={`/org/${tenant.tenantSlug}/billing-portal`} reloadDocument className="inline-form">
                    <SubmitButton
                      reloadDocument
                      className="button button-secondary button-small"
                      pendingLabel={t("dashboard.openingStripe")}
                    >
                      {t("dashboard.manageBilling")}
                    </SubmitButton>
                  </Form>
                ) : null}
              </div>
            ) : null}
          </section>
        ))
      )}
      {tenants.length > 0 ? (
        <p className="muted">
          {t("dashboard.joinAnother")} <Link to="/join">{t("dashboard.enterCode")}</Link>.
        </p>
      ) : null}
    </>
  );
}
