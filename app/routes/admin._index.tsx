import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { adminOverview } from "../domain/billing/overview.server";
import { retryStuckIntent } from "../domain/billing/replay.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { parseStoredEvent } from "../infra/stripe/mappers.server";
import { ActionMessage, fmtDate } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return adminOverview({ db: context.db, now: context.now() });
}

const Retry = z.object({ intentId: z.string().regex(/^int_[0-9a-z]{20}$/, "Not a purchase id.") });

// Retry provisioning of a purchase Stripe confirmed but we could not provision (it replays the paying event).
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  return runAction(async () => {
    const { intentId } = parseWith(Retry, await readForm(request));
    const { outcome } = await retryStuckIntent({
      db: context.db,
      gateway: context.billing(),
      parse: parseStoredEvent,
      adminId: user.id,
      intentId,
      graceDays: context.config.PAST_DUE_GRACE_DAYS,
      appUrl: context.config.APP_URL,
      now: context.now(),
    });
    return `Provisioning retried: ${outcome}.`;
  }, "Retried.");
}

export default function AdminHome() {
  const o = useLoaderData<typeof loader>();
  return (
    <>
      <ActionMessage />
      <section className="card">
        <h2>Overview</h2>
        <ul>
          <li>
            {o.tenants} tenants, {o.liveEntitlements} live entitlements
          </li>
          <li>
            <Link to="/admin/webhooks?status=failed">{o.failedEvents} failed webhook events</Link>
          </li>
        </ul>
      </section>
      <section className="card" aria-labelledby="stuck-title">
        <h2 id="stuck-title">Paid, not provisioned ({o.stuckIntents})</h2>
        {o.stuck.length === 0 ? <p>Every paid purchase has been provisioned.</p> : null}
        <ul>
          {o.stuck.map((i) => (
            <li key={i.id} className="row-alert">
              {i.product} × {i.quantity} for {i.buyer}, paid {fmtDate(i.updatedAt)} <span className="muted">{i.id}</span>
              <Form method="post" className="inline-form">
                <input type="hidden" name="intentId" value={i.id} />
                <SubmitButton className="button button-small" pendingLabel="Working...">
                  Retry provisioning
                </SubmitButton>
              </Form>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
