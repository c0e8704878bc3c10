import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { cancelIntent } from "../domain/billing/intents.server";
import { requireSession } from "../infra/auth/guards.server";
import { runLoader } from "../infra/http/action-result.server";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["billing"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

// Stripe's cancel_url: the open Checkout Session is expired so the old link cannot be paid later.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const intentId = new URL(request.url).searchParams.get("intent") ?? "";
  const intent = /^int_[0-9a-z]{20}$/.test(intentId)
    ? await runLoader(async () =>
        cancelIntent({
          db: context.db,
          gateway: context.billing(),
          intentId,
          userId: user.id,
          now: context.now(),
          locale: await context.locale(),
        }),
      )
    : null;
  if (!intent) throw new Response("No such purchase.", { status: 404 });
  return { state: intent.state, title: await pageTitle(context, "billing:checkoutCancel.title") };
}

export default function CheckoutCancel() {
  const { t } = useTranslation("billing");
  return (
    <section className="card narrow">
      <h1>{t("checkoutCancel.title")}</h1>
      <p>{t("checkoutCancel.body")}</p>
      <Link to="/pricing" className="button">
        {t("checkout.backToPricing")}
      </Link>
    </section>
  );
}
