import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { getDashboard, type PlanSummary } from "../domain/tenants/dashboard.server";
import { requireSession } from "../infra/auth/guards.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const tenants = await getDashboard({ db: context.db, userId: user.id });
  return { email: user.email, tenants };
}

const date = (ms: number | null) => (ms ? new Date(ms).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" }) : "");

function PlanStatus({ plan }: { plan: PlanSummary }) {
  switch (plan.status) {
    case "active":
      return (
        <>
          <span className="badge">Active</span>{" "}
          {plan.cancelAtPeriodEnd && plan.validUntil ? `ends ${date(plan.validUntil)}` : plan.renewsAt ? `renews ${date(plan.renewsAt)}` : plan.validUntil ? `until ${date(plan.validUntil)}` : "lifetime access"}
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
          <span className="badge">Past due</span> access until {date(plan.graceUntil)} unless the payment succeeds
        </>
      );
    default:
      return <span className="badge">{plan.status === "revoked" ? "Revoked" : plan.status === "expired" ? "Expired" : "Canceled"}</span>;
  }
}

export default function Dashboard() {
  const { email, tenants } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Dashboard</h1>
      <p className="muted">Signed in as {email}</p>
      {tenants.length === 0 ? (
        <section className="card">
          <h2>No organisation yet</h2>
          <p>An organisation is created when its first purchase is paid. Pick a plan to get started.</p>
          <Link to="/pricing" className="button">
            See plans
          </Link>
        </section>
      ) : (
        tenants.map((t) => (
          <section className="card" key={t.tenantId} aria-labelledby={`tenant-${t.tenantId}`}>
            <h2 id={`tenant-${t.tenantId}`}>
              {t.tenantName} <span className="badge">{t.role}</span>
            </h2>
            {t.status === "pending" ? <p className="muted">Waiting for an admin to approve your request.</p> : null}
            {t.plans.length === 0 && t.status === "active" ? <p>No plans yet.</p> : null}
            {t.plans.length > 0 ? (
              <table className="tiers">
                <thead>
                  <tr>
                    <th scope="col">Product</th>
                    <th scope="col">Status</th>
                    <th scope="col">Seats</th>
                  </tr>
                </thead>
                <tbody>
                  {t.plans.map((p) => (
                    <tr key={p.entitlementId} data-testid={`plan-${p.product.key}`}>
                      <td>
                        {p.product.name}
                        {p.tier ? ` (${p.tier})` : ""}
                        {p.source === "trial" ? " · trial with Accelerator" : ""}
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
          </section>
        ))
      )}
    </>
  );
}
