import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { z } from "zod";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { formatBytes } from "../domain/software/rules";
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

export const meta: MetaFunction = () => [{ title: "Dashboard · Gatehouse" }];

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
  const tenants = dashboardFromRows([memberships!, plans!], now);
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

const date = (ms: number | null) =>
  ms ? new Date(ms).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }) : "";

const SOURCE: Record<string, string> = {
  stripe_subscription: "a paid subscription",
  stripe_payment: "a one-time purchase",
  trial: "the 30-day trial that came with Accelerator",
  admin_grant: "a licence granted by an administrator",
};

function PlanStatus({ plan }: { plan: PlanSummary }) {
  switch (plan.status) {
    case "active":
      return (
        <>
          <span className="badge">Active</span>{" "}
          {plan.cancelAtPeriodEnd && plan.validUntil
            ? `ends ${date(plan.validUntil)}`
            : plan.renewsAt
              ? `renews ${date(plan.renewsAt)}`
              : plan.validUntil
                ? `until ${date(plan.validUntil)}`
                : "lifetime access"}
        </>
      );
    case "trialing":
      return (
        <>
          <span className="badge">Trial</span> until {date(plan.trialEndsAt)}
        </>
      );
    case "past_due":
      return (
        <>
          <span className="badge">Past due</span> access until {date(plan.graceUntil)}
        </>
      );
    case "paused":
      return (
        <>
          <span className="badge">Paused</span> add a payment method to resume
        </>
      );
    default:
      return <span className="badge">{plan.status === "revoked" ? "Revoked" : plan.status === "expired" ? "Expired" : "Canceled"}</span>;
  }
}

function Why({
  label,
  decision,
}: {
  label: string;
  decision: { granted: boolean; via: string | null; entitlement: EntitlementView | null; reason: string | null };
}) {
  const e = decision.entitlement;
  if (decision.via === "system_admin") return <li>{label}: yes, because you are a system administrator.</li>;
  if (decision.granted && e) {
    return (
      <li>
        {label}: yes. You are a member of <strong>{e.tenantName}</strong>, which has {label} through {SOURCE[e.source] ?? e.source} (since{" "}
        {date(e.validFrom)}
        {e.validUntil ? `, until ${date(e.validUntil)}` : ""}){e.seatBased ? ", and you hold one of its seats" : ""}.
      </li>
    );
  }
  return (
    <li>
      {label}: no.{" "}
      {decision.reason === "switched_off"
        ? `${label} is temporarily unavailable for everyone; your plan is unchanged.`
        : decision.reason === "needs_seat" && e
          ? `${e.tenantName} has ${label}, but you do not have a seat yet.`
          : decision.reason === "paused" && e
            ? `${e.tenantName}'s ${label} plan is paused until a payment method is added.`
            : decision.reason === "not_live" && e
              ? `${e.tenantName}'s ${label} plan is ${e.status}.`
              : `None of your organisations has ${label}.`}
    </li>
  );
}

/** Resumes with the card already on file (pay first); the outcome shows in the banner, access follows Stripe's events. */
function ResumeSubscription({ slug, result }: { slug: string; result: { ok: boolean; message: string } | null }) {
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="slug" value={slug} />
      <SubmitButton name="intent" value="resume-subscription" className="button button-small button-secondary" pendingLabel="Resuming...">
        Resume subscription
      </SubmitButton>
      {result ? (
        <span role={result.ok ? "status" : "alert"} data-testid="resume-result">
          {" "}
          {result.message}
        </span>
      ) : null}
    </Form>
  );
}

export default function Dashboard() {
  const { email, emailVerified, tenants, access, invitations, downloads, clients, resumable } = useLoaderData<typeof loader>();
  const resumeResult = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <>
      <h1>Dashboard</h1>
      <p className="muted">
        Signed in as {email} · <Link to="/account">Account settings</Link>
      </p>
      {params.get("reset") === "1" ? (
        <p className="notice" role="status">
          Your new password is set. Every other session was signed out.
        </p>
      ) : null}
      {emailVerified ? null : (
        <section className="card callout" aria-labelledby="verify-title">
          <h2 id="verify-title">Verify your email address</h2>
          <p>
            We sent a link to {email}. You can buy and use what you bought already; accepting invitations to an organisation (and admin
            rights for an address listed as an administrator) waits until you open it.
          </p>
          <Form method="post" action="/account">
            <SubmitButton
              name="intent"
              value="resend-verification"
              className="button button-small button-secondary"
              pendingLabel="Sending..."
            >
              Send the link again
            </SubmitButton>
          </Form>
        </section>
      )}
      {invitations.length > 0 ? (
        <section className="card" aria-labelledby="invitations-title">
          <h2 id="invitations-title">Invitations</h2>
          <ul>
            {invitations.map((i) => (
              <li key={i.id}>
                <strong>{i.tenantName}</strong> invited you to join as {i.role === "admin" ? "an admin" : "a member"}.
              </li>
            ))}
          </ul>
          <Link to="/invitations" className="button button-small">
            Review invitations
          </Link>
        </section>
      ) : null}
      <section className="card" aria-labelledby="why-title">
        <h2 id="why-title">Why you have access</h2>
        <ul>
          <Why label="Organization" decision={access.organization} />
          <Why label="Accelerator" decision={access.accelerator} />
        </ul>
      </section>
      {downloads ? (
        <section className="card" aria-labelledby="downloads-title">
          <h2 id="downloads-title">Downloads</h2>
          {downloads.length === 0 ? <p>No software has been published yet.</p> : null}
          {downloads.length > 0 ? (
            <table className="tiers" data-testid="downloads">
              <thead>
                <tr>
                  <th scope="col">Application</th>
                  <th scope="col">Latest version</th>
                  <th scope="col">Size</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">Download</th>
                </tr>
              </thead>
              <tbody>
                {downloads.map((a) => (
                  <tr key={a.id}>
                    <td>
                      {a.name} <span className="muted">by {a.vendor}</span>
                      {a.catalog.ownerType === "tenant" ? <span className="muted"> · {a.catalog.name}</span> : null}
                    </td>
                    <td>{a.latest.version}</td>
                    <td>{formatBytes(a.latest.size)}</td>
                    <td>
                      <code className="wrap">{a.latest.sha256}</code>
                    </td>
                    <td>
                      <a href={a.latest.downloadUrl} download>
                        Download {a.name} {a.latest.version}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
      {tenants.length === 0 ? (
        <section className="card">
          <h2>No organisation yet</h2>
          <p>An organisation is created when its first purchase is paid. Pick a plan to get started.</p>
          <Link to="/pricing" className="button">
            See plans
          </Link>
          <p>
            Has your team already got one? <Link to="/join">Join with an organisation code</Link>.
          </p>
        </section>
      ) : (
        tenants.map((t) => (
          <section className="card" key={t.tenantId} aria-labelledby={`tenant-${t.tenantId}`}>
            <h2 id={`tenant-${t.tenantId}`}>
              {t.tenantName} <span className="badge">{t.role}</span>
            </h2>
            {t.status === "pending" ? <p className="muted">Waiting for an admin to approve your request.</p> : null}
            {t.status === "active" && t.seats.compliance === "over_limit" ? (
              <p className="banner-warning" role="alert" data-testid="compliance">
                Over licence: {t.seats.observed} seats are in use but {t.seats.licensed} {t.seats.licensed === 1 ? "is" : "are"} paid for.
                {canManage(t.role)
                  ? ` Release ${t.seats.observed - t.seats.licensed} or buy more seats; no new seats can be assigned until then.`
                  : " An owner or admin needs to sort this out."}
              </p>
            ) : null}
            {t.status === "active" && t.seats.licensed > 0 && !t.hasSeat ? (
              <p className="notice" role="status" data-testid="needs-seat">
                You do not have a seat in {t.tenantName} yet: Organization features need one.{" "}
                {canManage(t.role) ? "Assign yourself one on the Members page." : "Ask an owner or admin to assign you one."}
              </p>
            ) : null}
            {t.status === "active" && t.seats.licensed > 0 ? (
              <p data-testid="licence">
                Seats: <strong>{t.seats.observed}</strong> in use of <strong>{t.seats.licensed}</strong> licensed ·{" "}
                {t.seats.compliance === "ok" ? "within licence" : "over licence"}
              </p>
            ) : null}
            {t.status === "active" && clients[t.tenantId] && (clients[t.tenantId]!.licensed > 0 || clients[t.tenantId]!.observed > 0) ? (
              <p
                data-testid="clients"
                className={clients[t.tenantId]!.compliance === "over_limit" ? "banner-warning" : undefined}
                role={clients[t.tenantId]!.compliance === "over_limit" ? "alert" : undefined}
              >
                Clients: <strong>{clients[t.tenantId]!.observed}</strong> observed of <strong>{clients[t.tenantId]!.licensed}</strong>{" "}
                licensed · {clients[t.tenantId]!.compliance === "ok" ? "within licence" : "over licence"}
              </p>
            ) : null}
            {t.plans
              .filter((p) => p.status === "past_due")
              .map((p) => (
                <p className="banner-warning" role="alert" key={`pd-${p.entitlementId}`}>
                  The last payment for {p.product.name} failed. Update your payment method before {date(p.graceUntil)} to keep access.
                </p>
              ))}
            {t.plans
              .filter((p) => p.status === "paused")
              .map((p) => (
                <div className="banner-warning" role="alert" key={`pa-${p.entitlementId}`} data-testid={`paused-${p.product.key}`}>
                  <p>
                    Paused: add a payment method to resume. {t.tenantName}&apos;s {p.product.name} trial ended without one, so its features
                    are off until then; nothing has been removed.
                  </p>
                  {canManage(t.role) ? (
                    <>
                      <Form method="post" action={`/org/${t.tenantSlug}/billing-portal`} reloadDocument className="inline-form">
                        <SubmitButton className="button button-small" pendingLabel="Opening billing..." reloadDocument>
                          Add a payment method
                        </SubmitButton>
                      </Form>
                      {resumable.includes(t.tenantId) ? (
                        <ResumeSubscription slug={t.tenantSlug} result={resumeResult?.slug === t.tenantSlug ? resumeResult : null} />
                      ) : null}
                    </>
                  ) : (
                    <p>Ask an owner or admin of {t.tenantName} to add one.</p>
                  )}
                </div>
              ))}
            {t.plans
              .filter((p) => p.trialEndingSoon)
              .map((p) => (
                <p className="notice" role="status" key={`tr-${p.entitlementId}`}>
                  Your {p.product.name} trial ends on {date(p.trialEndsAt)}.
                </p>
              ))}
            {t.plans.length === 0 && t.status === "active" ? <p>No plans yet.</p> : null}
            {t.plans.length > 0 ? (
              <table className="tiers">
                <thead>
                  <tr>
                    <th scope="col">Product</th>
                    <th scope="col">Status</th>
                    <th scope="col">Seats used</th>
                  </tr>
                </thead>
                <tbody>
                  {t.plans.map((p) => (
                    <tr key={p.entitlementId} data-testid={`plan-${p.product.key}`}>
                      <td>
                        {p.product.name}
                        {p.tier ? ` (${p.tier})` : ""}
                        {p.source === "trial" ? " · trial with Accelerator" : p.source === "admin_grant" ? " · granted" : ""}
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
            {t.status === "active" ? (
              // A div, not a p: the billing form cannot sit inside a paragraph (the browser would
              // close the p before it and React's hydration would no longer match the server's HTML).
              <div className="actions">
                <Link to={`/org/${t.tenantSlug}/roadmap`}>Roadmap</Link>
                {canManage(t.role) ? (
                  <>
                    {" · "}
                    <Link to={`/org/${t.tenantSlug}/members`}>Members</Link>
                    {" · "}
                    <Link to={`/org/${t.tenantSlug}/billing`}>Billing</Link>
                    {" · "}
                    <Link to={`/org/${t.tenantSlug}/software`}>Software</Link>
                  </>
                ) : null}
                {canManage(t.role) ? (
                  <Form method="post" action={`/org/${t.tenantSlug}/billing-portal`} reloadDocument className="inline-form">
                    <SubmitButton reloadDocument className="button button-secondary button-small" pendingLabel="Opening Stripe...">
                      Manage billing
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
          Joining another team? <Link to="/join">Enter an organisation code</Link>.
        </p>
      ) : null}
    </>
  );
}
