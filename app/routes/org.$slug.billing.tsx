import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { z } from "zod";
import { isAppError, type MessageI18n } from "../domain/errors";
import { strictInt } from "../domain/input";
import { buyAddon, loadAddonOffers, removeAddon } from "../domain/billing/addons.server";
import { changeSeatQuantity, quoteSeatChange, type SeatQuote } from "../domain/seats/billing.server";
import { decideQuantityChange } from "../domain/seats/rules";
import { requireSession, requireTenantManager } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { formatMoney } from "../i18n/format";
import { translateMessage } from "../i18n/messages";
import { usePageLocale } from "../i18n/use-page-locale";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["billing"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

const Quantity = strictInt({ min: 0, max: 1000, label: "Seats" });
// The quote's proration date (epoch ms) from the hidden field; its age is the domain's rule.
const QuoteTime = strictInt({ min: 0, max: Number.MAX_SAFE_INTEGER, label: "The quote's time" });

// Owners and admins only; `?quantity=N` adds the live price and Stripe's proration preview for N seats.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  const { plan, offers } = await loadAddonOffers({ db: context.db, tenant, now: context.now(), locale: await context.locale() });
  const raw = new URL(request.url).searchParams.get("quantity");
  let quote: SeatQuote | null = null;
  // What the quote's refusal says, with its template and values when it has them (ADR 024).
  let quoteError: { message: string; i18n?: MessageI18n } | null = null;
  if (raw !== null && plan) {
    const parsed = Quantity.safeParse(raw);
    if (!parsed.success) quoteError = { message: parsed.error.issues[0]?.message ?? "Invalid number of seats." };
    else {
      try {
        quote = await quoteSeatChange({ db: context.db, gateway: context.billing(), tenant, quantity: parsed.data, now: context.now() });
      } catch (e) {
        if (!isAppError(e)) throw e;
        quoteError = { message: e.message, ...(e.i18n ? { i18n: e.i18n } : {}) };
      }
    }
  }
  const title = await pageTitle(context, "billing:orgBilling.title");
  return { tenant: { name: tenant.name, slug: tenant.slug }, plan, offers, quote, quoteError, requested: raw, title };
}

const Change = z.object({ intent: z.literal("change"), quantity: Quantity, prorationDate: QuoteTime });
const Addon = z.object({ intent: z.literal("addon"), priceId: z.string().trim().min(1, "Choose an add-on.").max(100) });
const RemoveAddon = z.object({ intent: z.literal("remove_addon"), priceId: z.string().trim().min(1, "Choose an add-on.").max(100) });
const Posted = z.discriminatedUnion("intent", [Change, Addon, RemoveAddon]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  const posted: { form: "change" | "addon" } = { form: "change" };
  const { t } = await context.i18n();
  return runAction(
    async () => {
      const input = parseWith(Posted, await readForm(request));
      posted.form = input.intent === "change" ? "change" : "addon";
      if (input.intent === "remove_addon" || input.intent === "addon") {
        const removing = input.intent === "remove_addon";
        const r = await (removing ? removeAddon : buyAddon)({
          db: context.db,
          gateway: context.billing(),
          tenant,
          actorUserId: user.id,
          priceId: input.priceId,
          now: context.now(),
          locale: await context.locale(),
        });
        return {
          requested: null,
          message: removing ? t("billing:orgBilling.removing", { name: r.name }) : t("billing:orgBilling.addonAccepted", { name: r.name }),
        };
      }
      const r = await changeSeatQuantity({
        db: context.db,
        gateway: context.billing(),
        tenant,
        actorUserId: user.id,
        quantity: input.quantity,
        prorationDate: input.prorationDate,
        now: context.now(),
      });
      return {
        requested: r.quantity,
        message: r.changed
          ? t("billing:orgBilling.seatsAccepted", { count: r.quantity })
          : t("billing:orgBilling.alreadyHave", { count: r.quantity }),
      };
    },
    "Seats changed.",
    posted,
  );
}

/** How long the page follows a confirmed seat change, waiting for Stripe's event. */
const FOLLOW_MS = 120_000;

export default function Billing() {
  const { t } = useTranslation("billing");
  const locale = usePageLocale();
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale);
  const { tenant, plan, offers, quote: initialQuote, quoteError: initialError } = useLoaderData<typeof loader>();
  // The last answer stays on the page: a revalidation (the follow below) ends with no action data.
  const answer = useActionData<typeof action>();
  const [result, setResult] = useState(answer);
  if (answer !== undefined && answer !== result) setResult(answer);
  const fetcher = useFetcher<typeof loader>();
  const revalidator = useRevalidator();
  // Without JavaScript the GET form's ?quantity=N is the chosen count; the quote for it is already rendered.
  const [seats, setSeats] = useState(initialQuote?.quantity ?? plan?.quantity ?? 1);

  // Ask Stripe for the proration preview shortly after the slider stops moving.
  useEffect(() => {
    if (!plan || seats === plan.quantity) return;
    const timer = setTimeout(() => fetcher.load(`/org/${tenant.slug}/billing?quantity=${seats}`), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seats, plan?.quantity, tenant.slug]);

  // After a confirmed change, follow the page until Stripe's event has moved the capacity (for at
  // most FOLLOW_MS: a tab left open does not poll forever if the event never comes).
  const waitingFor = result?.ok && plan && result.requested != null && result.requested !== plan.quantity ? result.requested : null;
  const followingSince = useRef(0);
  useEffect(() => {
    followingSince.current = Date.now();
  }, [waitingFor]);
  useEffect(() => {
    if (waitingFor === null) return;
    const timer = setInterval(() => {
      if (Date.now() - followingSince.current > FOLLOW_MS) clearInterval(timer);
      else if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [waitingFor, revalidator]);

  if (!plan) {
    return (
      <section className="card">
        <h1>{t("orgBilling.noPlanTitle", { organisation: tenant.name })}</h1>
        <p>{t("orgBilling.noPlan")}</p>
        <Link to="/pricing" className="button">
          {t("orgBilling.seePlans")}
        </Link>
      </section>
    );
  }

  const decision = decideQuantityChange({
    current: { quantity: plan.quantity, priceId: plan.price.id, interval: plan.price.interval },
    requested: seats,
    assigned: plan.assigned,
    prices: plan.prices,
  });
  const fresh = fetcher.data && fetcher.data.requested === String(seats) ? fetcher.data : null;
  const quote = fresh?.quote ?? (initialQuote?.quantity === seats ? initialQuote : null);
  const quoteError = fresh?.quoteError ?? null;
  const yearly = plan.price.interval === "year";

  return (
    <>
      <h1>{t("orgBilling.heading", { organisation: tenant.name })}</h1>
      <p className="actions">
        <Link to="/dashboard">{t("orgBilling.dashboard")}</Link> · <Link to={`/org/${tenant.slug}/members`}>{t("orgBilling.members")}</Link>
      </p>
      <section className="card" aria-labelledby="current-title">
        <h2 id="current-title">{t("orgBilling.currentTitle")}</h2>
        <p data-testid="current-plan">
          <Trans
            t={t}
            i18nKey={yearly ? "orgBilling.currentYear" : "orgBilling.currentMonth"}
            values={{
              tier: plan.price.tier ? `(${plan.price.tier})` : "",
              count: plan.quantity,
              price: money(plan.price.unitAmount, plan.price.currency),
              assigned: plan.assigned,
            }}
            components={{ strong: <strong /> }}
          />
        </p>
        {plan.compliance === "over_limit" ? (
          <p className="banner-warning" role="alert">
            {t("orgBilling.overLicence", {
              count: plan.quantity,
              assigned: plan.assigned,
              paid: plan.quantity,
              excess: plan.assigned - plan.quantity,
            })}
          </p>
        ) : null}
        {waitingFor !== null ? (
          <p className="notice" role="status" data-testid="waiting">
            {t("orgBilling.waiting", { count: waitingFor })}
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="change-title">
        <h2 id="change-title">{t("orgBilling.changeTitle")}</h2>
        <FormMessage result={result?.form === "change" ? result : null} testId="change-result" />
        <Form method="get" className="seat-slider">
          <label htmlFor="seat-count">
            {t("orgBilling.seats")} <strong data-testid="seat-value">{seats}</strong>
          </label>
          <input
            id="seat-count"
            name="quantity"
            type="range"
            min={plan.bounds.min}
            max={plan.bounds.max}
            step={1}
            value={seats}
            onChange={(e) => setSeats(Number(e.currentTarget.value))}
            aria-valuetext={t("orgBilling.seatsValue", { count: seats })}
          />
          <div className="inline-fields">
            <div className="field">
              <label htmlFor="seat-number">{t("orgBilling.exact")}</label>
              <input
                id="seat-number"
                type="number"
                min={plan.bounds.min}
                max={plan.bounds.max}
                value={seats}
                onChange={(e) => {
                  const n = Number(e.currentTarget.value);
                  if (Number.isFinite(n)) setSeats(Math.min(Math.max(Math.trunc(n), plan.bounds.min), plan.bounds.max));
                }}
              />
            </div>
            <noscript>
              <button type="submit" className="button button-secondary">
                {t("orgBilling.preview")}
              </button>
            </noscript>
          </div>
        </Form>
        <div className="seat-preview" aria-live="polite" data-testid="seat-preview">
          {decision.ok && decision.action === "change" ? (
            <>
              <p>
                <Trans
                  t={t}
                  i18nKey={yearly ? "orgBilling.previewYear" : "orgBilling.previewMonth"}
                  values={{
                    count: seats,
                    tier: decision.tier ?? t("orgBilling.thePlan"),
                    price: money(decision.unitAmount, plan.price.currency),
                    total: money(decision.unitAmount * seats, plan.price.currency),
                    move: decision.switchesTier ? t("orgBilling.moves", { tier: decision.tier }) : "",
                  }}
                  components={{ strong: <strong /> }}
                />
              </p>
              {quote ? (
                <p data-testid="proration">
                  {quote.proration === "always_invoice"
                    ? t("orgBilling.dueNow", { amount: money(quote.preview.amountDue, quote.preview.currency) })
                    : t("orgBilling.credit", {
                        credit: money(-quote.preview.prorationAmount, quote.preview.currency),
                        due: money(quote.preview.amountDue, quote.preview.currency),
                      })}
                </p>
              ) : quoteError ? (
                <p className="form-error">{translateMessage(t, quoteError.message, quoteError.i18n)}</p>
              ) : (
                <p className="muted">{t("orgBilling.asking")}</p>
              )}
            </>
          ) : decision.ok ? (
            <p className="muted">{t("orgBilling.moveSlider")}</p>
          ) : (
            <p className="form-error" role="alert">
              {translateMessage(t, decision.message, decision.i18n)}
            </p>
          )}
          {initialError && !fresh ? <p className="form-error">{translateMessage(t, initialError.message, initialError.i18n)}</p> : null}
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value="change" />
          <input type="hidden" name="quantity" value={seats} />
          {/* Confirming bills as of the quote shown, so the charge is the amount above. */}
          {quote ? <input type="hidden" name="prorationDate" value={quote.prorationDate} /> : null}
          <SubmitButton disabled={!quote || !(decision.ok && decision.action === "change")} pendingLabel={t("orgBilling.confirming")}>
            {decision.ok && decision.action === "change" && seats > plan.quantity
              ? seats - plan.quantity === 1
                ? t("orgBilling.buyOneMore")
                : t("orgBilling.buyMore", { count: seats - plan.quantity })
              : t("orgBilling.changeTo", { count: seats })}
          </SubmitButton>
        </Form>
      </section>
      {offers.length > 0 ? (
        <section className="card" aria-labelledby="addons-title">
          <h2 id="addons-title">{t("orgBilling.addonsTitle")}</h2>
          <FormMessage result={result?.form === "addon" ? result : null} testId="addon-result" />
          <ul>
            {offers.map((o) => (
              <li key={o.priceId} data-testid={`addon-${o.productKey}`}>
                <strong>{o.name}</strong>: {o.description}{" "}
                {t(o.interval === "year" ? "orgBilling.addonYear" : "orgBilling.addonMonth", { price: money(o.unitAmount, o.currency) })}{" "}
                {o.owned ? (
                  <>
                    <span>{t("orgBilling.onSubscription")}</span>
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove_addon" />
                      <input type="hidden" name="priceId" value={o.priceId} />
                      <SubmitButton className="button button-secondary" pendingLabel={t("orgBilling.askingStripe")}>
                        {t("orgBilling.remove", { name: o.name })}
                      </SubmitButton>
                    </Form>
                  </>
                ) : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="addon" />
                    <input type="hidden" name="priceId" value={o.priceId} />
                    <SubmitButton pendingLabel={t("orgBilling.confirming")}>{t("orgBilling.add", { name: o.name })}</SubmitButton>
                  </Form>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
