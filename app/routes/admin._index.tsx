import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { adminOverview } from "../domain/billing/overview.server";
import { retryStuckIntent } from "../domain/billing/replay.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { parseStoredEvent } from "../infra/stripe/mappers.server";
import { ActionMessage, useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

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
    const { t } = await context.i18n();
    return t("admin:retried", { outcome: t(`admin:status.${outcome}`, { defaultValue: outcome }) });
  }, "Retried.");
}

export default function AdminHome() {
  const o = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <>
      <ActionMessage />
      <section className="card">
        <h2>{t("overview.title")}</h2>
        <ul>
          <li data-testid="overview-counts">
            {t("overview.tenants", { count: o.tenants, n: f.number(o.tenants) })}
            {", "}
            {t("overview.live", { count: o.liveEntitlements, n: f.number(o.liveEntitlements) })}
          </li>
          <li>
            <Link to="/admin/webhooks?status=failed">
              {t("overview.failedEvents", { count: o.failedEvents, n: f.number(o.failedEvents) })}
            </Link>
          </li>
        </ul>
      </section>
      <section className="card" aria-labelledby="stuck-title">
        <h2 id="stuck-title">{t("overview.stuckTitle", { n: f.number(o.stuckIntents) })}</h2>
        {o.stuck.length === 0 ? <p>{t("overview.noneStuck")}</p> : null}
        <ul>
          {o.stuck.map((i) => (
            <li key={i.id} className="row-alert">
              {t("overview.stuck", { product: i.product, quantity: f.number(i.quantity), buyer: i.buyer, paid: f.dateTime(i.updatedAt) })}{" "}
              <span className="muted">{i.id}</span>
              <Form method="post" className="inline-form">
                <input type="hidden" name="intentId" value={i.id} />
                <SubmitButton className="button button-small" pendingLabel={t("working")}>
                  {t("retryProvisioning")}
                </SubmitButton>
              </Form>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
