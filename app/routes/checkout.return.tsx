import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { getIntentForBuyer } from "../domain/billing/intents.server";
import { requireSession } from "../infra/auth/guards.server";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["billing"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

const POLL_MS = 2_000;
const PATIENCE_MS = 60_000;

// Arriving here proves nothing: the page only reads the intent, which the verified webhook moves.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const intentId = new URL(request.url).searchParams.get("intent") ?? "";
  const intent = /^int_[0-9a-z]{20}$/.test(intentId)
    ? await getIntentForBuyer({ db: context.db, intentId, userId: user.id, locale: await context.locale() })
    : null;
  if (!intent) throw new Response("No such purchase.", { status: 404 });
  return { intent, title: await pageTitle(context, "billing:checkoutReturn.title") };
}

/**
 * "Try again" opens a new Checkout for the same plan, interval and seats (the old session is spent);
 * a product no longer sold through Checkout (unpublished, or an add-on) is chosen again on the pricing page.
 */
function retryPath(intent: { product: { key: string; startable: boolean }; interval: "month" | "year" | null; quantity: number }): string {
  if (!intent.product.startable) return "/pricing";
  const q = new URLSearchParams({ plan: intent.product.key, interval: intent.interval ?? "month", seats: String(intent.quantity) });
  return `/checkout/start?${q}`;
}

export default function CheckoutReturn() {
  const { t } = useTranslation("billing");
  const { intent } = useLoaderData<typeof loader>();
  const { revalidate, state } = useRevalidator();
  const [waitedTooLong, setWaitedTooLong] = useState(false);
  const done = ["provisioned", "expired", "canceled", "failed"].includes(intent.state);

  // Until the intent settles, this page's loader runs again every POLL_MS (never two at once: a run
  // in flight stops the timer until it has answered); offline, a turn is skipped, not an error page.
  useEffect(() => {
    if (done || state !== "idle") return;
    const timer = setInterval(() => {
      if (navigator.onLine) revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [done, state, revalidate]);

  useEffect(() => {
    if (done) return;
    const timer = setTimeout(() => setWaitedTooLong(true), PATIENCE_MS);
    return () => clearTimeout(timer);
  }, [done]);

  if (intent.state === "provisioned") {
    return (
      <section className="card narrow" aria-live="polite">
        <h1>{t("checkoutReturn.confirmed")}</h1>
        <p>
          <Trans
            t={t}
            i18nKey={intent.product.seatBased ? "checkoutReturn.unlockedSeats" : "checkoutReturn.unlocked"}
            count={intent.quantity}
            values={{ product: intent.product.name, organisation: intent.tenant?.name ?? "", seats: intent.quantity }}
            components={{ strong: <strong /> }}
          />
        </p>
        {intent.trial ? (
          <p>{t("checkoutReturn.trial", { count: intent.trial.days, days: intent.trial.days, product: intent.trial.productName })}</p>
        ) : null}
        <Link to="/dashboard" className="button">
          {t("checkoutReturn.dashboard")}
        </Link>
      </section>
    );
  }
  if (done) {
    const failed = intent.state === "failed";
    return (
      <section className="card narrow" aria-live="polite">
        <h1>{t(failed ? "checkoutReturn.failed" : "checkoutReturn.notCompleted")}</h1>
        <p>{t(failed ? "checkoutReturn.failedBody" : "checkoutReturn.notCompletedBody")}</p>
        <Link to={retryPath(intent)} className="button">
          {t("checkoutReturn.tryAgain")}
        </Link>
      </section>
    );
  }
  return (
    <section className="card narrow" aria-live="polite" aria-busy="true">
      <h1>{t("checkoutReturn.processing")}</h1>
      <p>{t("checkoutReturn.waiting")}</p>
      {waitedTooLong ? (
        <p className="notice" role="status">
          {t("checkoutReturn.slow")}
        </p>
      ) : null}
    </section>
  );
}
