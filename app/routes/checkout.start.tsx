import { type ActionFunctionArgs, data, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { addonCheckoutMessage, StartCheckoutInput, startCheckoutFor } from "../domain/billing/checkout.server";
import { SubmitButton } from "../components/submit-button";
import { priceForSeats, totalFor } from "../domain/catalog/pricing";
import { formatMoney } from "../i18n/format";
import { translateMessage } from "../i18n/messages";
import { usePageLocale } from "../i18n/use-page-locale";
import { pageTitle } from "../infra/i18n/locale.server";
import { getPublicPricing } from "../domain/catalog/public-pricing.server";
import { strictInt } from "../domain/input";
import { listManagedTenants } from "../domain/tenants/memberships.server";
import { requireSession } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { readForm } from "../infra/http/responses.server";
import { EmbeddedStripeCheckout } from "../components/embedded-checkout";
import { FieldError, type FormResult } from "../components/field";

export const handle = { i18n: ["billing"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

// Any published product by its key (the catalog is data, ADR 018), optionally one of its prices by id;
// both are looked up in the public catalog below, so an unknown or unpublished one is a 404. Without
// a plan: the catalog's first seat-based subscription (the team plan), else its first product.
const Plan = z.object({
  plan: z.string().trim().min(1).max(80).optional().catch(""),
  price: z.string().trim().min(1).max(100).optional().catch(""),
  interval: z.enum(["month", "year"]).catch("month"),
  seats: strictInt({ min: 1, max: 1000, label: "Seats" }).catch(5),
});

// Confirms what is being bought and for which organisation, then hands over to Stripe Checkout:
// on Stripe's page (hosted, the default, works without JavaScript) or mounted on this one (embedded).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const q = Plan.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { products } = await getPublicPricing({ db: context.db, locale: await context.locale() });
  const product =
    q.plan === undefined
      ? (products.find((p) => p.seatBased && p.kind === "subscription" && !p.addonOf) ?? products.find((p) => !p.addonOf))
      : products.find((p) => p.key === q.plan);
  if (!product) throw new Response("That product is not on sale.", { status: 404 });
  // An add-on is an item on its base product's subscription, added on the billing page (ADR 019).
  if (product.addonOf) throw data(addonCheckoutMessage(product.name, product.addonOf.name), { status: 409 });
  const price = q.price
    ? (product.prices.find((p) => p.id === q.price) ?? null)
    : product.seatBased
      ? priceForSeats(product.prices, q.interval, q.seats)
      : (product.prices.find((p) => p.interval === q.interval) ?? product.prices[0] ?? null);
  if (!price) throw new Response("No price covers that choice.", { status: 404 });
  const seats = product.seatBased ? q.seats : 1;
  const tenants = await listManagedTenants({ db: context.db, userId: user.id });
  return {
    product: { key: product.key, name: product.name, seatBased: product.seatBased },
    price,
    seats,
    total: totalFor(price, seats),
    tenants,
    title: await pageTitle(context, "billing:checkout.title"),
    // Embedded Checkout needs the publishable key; without one only Stripe's page is offered.
    embedded: context.config.STRIPE_PUBLISHABLE_KEY
      ? { publishableKey: context.config.STRIPE_PUBLISHABLE_KEY, stripeJsUrl: context.config.STRIPE_JS_URL }
      : null,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  return runAction(async (form) => {
    const raw = await readForm(request);
    if (raw.tenantId === "new") delete raw.tenantId;
    const input = form.parse(raw, StartCheckoutInput);
    const started = await startCheckoutFor(context, user, input);
    return "url" in started ? redirect(started.url, 303) : { clientSecret: started.clientSecret };
  }, "On to payment.");
}

type StartResult = FormResult & { clientSecret?: string };

export default function CheckoutStart() {
  const { t } = useTranslation("billing");
  const locale = usePageLocale();
  const { product, price, seats, total, tenants, embedded } = useLoaderData<typeof loader>();
  // Hosted: the action answers only with a failure (success is a redirect to Stripe). Embedded: the
  // fetcher's answer is a failure or the session's client secret.
  const fetcher = useFetcher<StartResult>();
  const posted = useActionData<StartResult>();
  const result = fetcher.state === "idle" && fetcher.data ? fetcher.data : posted;
  const errors = result && !result.ok ? result : undefined;
  const [form, fields] = useForm<{ tenantId: string; organizationName: string }>({ id: "checkout", lastResult: errors?.submission });
  // Paying on this page needs JavaScript: until the page is hydrated only Stripe's page can be chosen.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [uiMode, setUiMode] = useState<"hosted" | "embedded">("hosted");
  const per = t(price.interval === "month" ? "checkout.perMonth" : price.interval === "year" ? "checkout.perYear" : "checkout.once");
  const seatLine = product.seatBased ? t("checkout.seatLine", { count: seats, tier: price.tier, seats }) : "";

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    form.onSubmit(event);
    if (event.defaultPrevented || uiMode !== "embedded") return;
    event.preventDefault();
    fetcher.submit(event.currentTarget, { method: "post" });
  };

  if (embedded && result?.clientSecret) {
    return (
      <section className="card">
        <h1>{t("checkout.title")}</h1>
        <p>
          <strong>{product.name}</strong>
          {seatLine} · {formatMoney(total, price.currency, locale)} <span className="muted">{per}</span>
        </p>
        <EmbeddedStripeCheckout
          publishableKey={embedded.publishableKey}
          stripeJsUrl={embedded.stripeJsUrl}
          clientSecret={result.clientSecret}
        />
        <p>
          <a href="">{t("checkout.otherWay")}</a>
        </p>
      </section>
    );
  }
  return (
    <section className="card narrow">
      <h1>{t("checkout.title")}</h1>
      <p>
        <strong>{product.name}</strong>
        {seatLine}
      </p>
      <p className="price-big">
        {formatMoney(total, price.currency, locale)} <span className="muted">{per}</span>
      </p>
      {errors ? (
        <p className="form-error" role="alert">
          {translateMessage(t, errors.message, errors.i18n)}
        </p>
      ) : null}
      <Form method="post" reloadDocument {...getFormProps(form)} onSubmit={onSubmit}>
        <input type="hidden" name="priceId" value={price.id} />
        <input type="hidden" name="quantity" value={seats} />
        {tenants.length > 0 ? (
          <fieldset className="field" aria-describedby={fields.tenantId.errors ? fields.tenantId.errorId : undefined}>
            <legend>{t("checkout.whichOrg")}</legend>
            {tenants.map((tenant, i) => (
              <label key={tenant.id}>
                <input type="radio" name="tenantId" value={tenant.id} defaultChecked={i === 0} /> {tenant.name}
              </label>
            ))}
            <label>
              <input type="radio" name="tenantId" value="new" /> {t("checkout.newOrgOption")}
            </label>
            <FieldError meta={fields.tenantId} />
          </fieldset>
        ) : null}
        <div className="field">
          <label htmlFor={fields.organizationName.id}>{t(tenants.length > 0 ? "checkout.newOrgName" : "checkout.orgName")}</label>
          <input
            {...getInputProps(fields.organizationName, { type: "text", ariaDescribedBy: fields.organizationName.descriptionId })}
            key={fields.organizationName.key}
            maxLength={80}
            required={tenants.length === 0}
          />
          <FieldError meta={fields.organizationName} />
          <p className="muted" id={fields.organizationName.descriptionId}>
            {t("checkout.orgHint")}
          </p>
        </div>
        {embedded ? (
          <fieldset className="field">
            <legend>{t("checkout.howPay")}</legend>
            <label>
              <input type="radio" name="uiMode" value="hosted" checked={uiMode === "hosted"} onChange={() => setUiMode("hosted")} />{" "}
              {t("checkout.payOnStripe")} <span className="muted">{t("checkout.comeBack")}</span>
            </label>
            <label>
              <input
                type="radio"
                name="uiMode"
                value="embedded"
                checked={uiMode === "embedded"}
                onChange={() => setUiMode("embedded")}
                disabled={!hydrated}
              />{" "}
              {t("checkout.payHere")} {hydrated ? null : <span className="muted">{t("checkout.needsJs")}</span>}
            </label>
          </fieldset>
        ) : null}
        <SubmitButton reloadDocument pendingLabel={t("checkout.opening")} disabled={fetcher.state !== "idle"}>
          {t("checkout.continue")}
        </SubmitButton>
      </Form>
      <p>
        <Link to="/pricing">{t("checkout.backToPricing")}</Link>
      </p>
    </section>
  );
}
