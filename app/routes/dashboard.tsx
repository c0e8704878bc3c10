import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { listMemberships } from "../domain/tenants/memberships.server";
import { requireSession } from "../infra/auth/guards.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const memberships = await listMemberships({ db: context.db, userId: user.id });
  return { email: user.email, memberships };
}

export default function Dashboard() {
  const { email, memberships } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Dashboard</h1>
      <p className="muted">Signed in as {email}</p>
      {memberships.length === 0 ? (
        <section className="card">
          <h2>No organisation yet</h2>
          <p>
            An organisation is created when its first purchase is paid. Pick a plan to get started.
          </p>
          <Link to="/pricing" className="button">
            See plans
          </Link>
        </section>
      ) : (
        <section className="card">
          <h2>Your organisations</h2>
          <ul>
            {memberships.map((m) => (
              <li key={m.tenantId}>
                {m.tenantName} <span className="badge">{m.role}</span>{" "}
                {m.status === "pending" ? <span className="muted">(waiting for approval)</span> : null}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
