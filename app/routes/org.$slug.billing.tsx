import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { z } from "zod";
import { formatMoney } from "../domain/catalog/pricing";
import { isAppError } from "../domain/errors";
import { strictInt } from "../domain/input";
import { buyAddon, loadAddonOffers, removeAddon } from "../domain/billing/addons.server";
import { changeSeatQuantity, quoteSeatChange, type SeatQuote } from "../domain/seats/billing.server";
import { decideQuantityChange } from "../domain/seats/rules";
import { requireSession, requireTenantManager } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";

export const meta: MetaFunction = () => [{ title: "Billing and seats · Gatehouse" }];

const Quantity = strictInt({ min: 0, max: 1000, label: "Seats" });
// The quote's proration date (epoch ms) from the hidden field; its age is the domain's rule.
const QuoteTime = strictInt({ min: 0, max: Number.MAX_SAFE_INTEGER, label: "The quote's time" });

// Owners and admins only; `?quantity=N` adds the live price and Stripe's proration preview for N seats.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  const { plan, offers } = await loadAddonOffers({ db: context.db, tenant, now: context.now() });
  const raw = new URL(request.url).searchParams.get("quantity");
  let quote: SeatQuote | null = null;
  let quoteError: string | null = null;
  if (raw !== null && plan) {
    const parsed = Quantity.safeParse(raw);
    if (!parsed.success) quoteError = parsed.error.issues[0]?.message ?? "Invalid number of seats.";
    else {
      try {
        quote = await quoteSeatChange({ db: context.db, gateway: context.billing(), tenant, quantity: parsed.data, now: context.now() });
      } catch (e) {
        if (!isAppError(e)) throw e;
        quoteError = e.message;
      }
    }
  }
  return { tenant: { name: tenant.name, slug: tenant.slug }, plan, offers, quote, quoteError, requested: raw };
}

const Change = z.object({ intent: z.literal("change"), quantity: Quantity, prorationDate: QuoteTime });
const Addon = z.object({ intent: z.literal("addon"), priceId: z.string().trim().min(1, "Choose an add-on.").max(100) });
const RemoveAddon = z.object({ intent: z.literal("remove_addon"), priceId: z.string().trim().min(1, "Choose an add-on.").max(100) });
const Posted = z.discriminatedUnion("intent", [Change, Addon, RemoveAddon]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  const posted: { form: "change" | "addon" } = { form: "change" };
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
        });
        return {
          requested: null,
          message: removing
            ? `Stripe is removing ${r.name}; the unused time is credited on your next invoice. It leaves here as soon as Stripe confirms.`
            : `Stripe accepted ${r.name}. It appears here as soon as Stripe confirms the payment.`,
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
          ? `Stripe accepted ${r.quantity} seats. The new capacity appears here as soon as Stripe confirms the change.`
          : `You already have ${r.quantity} seats.`,
      };
    },
    "Seats changed.",
    posted,
  );
}

const money = (amount: number, currency: string) => formatMoney(amount, currency);

export default function Billing() {
  const { tenant, plan, offers, quote: initialQuote, quoteError: initialError } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const fetcher = useFetcher<typeof loader>();
  const revalidator = useRevalidator();
  // Without JavaScript the GET form's ?quantity=N is the chosen count; the quote for it is already rendered.
  const [seats, setSeats] = useState(initialQuote?.quantity ?? plan?.quantity ?? 1);

  // Ask Stripe for the proration preview shortly after the slider stops moving.
  useEffect(() => {
    if (!plan || seats === plan.quantity) return;
    const t = setTimeout(() => fetcher.load(`/org/${tenant.slug}/billing?quantity=${seats}`), 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seats, plan?.quantity, tenant.slug]);

  // After a confirmed change, follow the page until Stripe's event has moved the capacity.
  const waitingFor = result?.ok && plan && result.requested != null && result.requested !== plan.quantity ? result.requested : null;
  useEffect(() => {
    if (waitingFor === null) return;
    const t = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(t);
  }, [waitingFor, revalidator]);

  if (!plan) {
    return (
      <section className="card">
        <h1>{tenant.name}: billing</h1>
        <p>This organisation has no active seat subscription. Choose a plan on the pricing page to buy seats.</p>
        <Link to="/pricing" className="button">
          See plans
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
  const per = plan.price.interval === "year" ? "year" : "month";

  return (
    <>
      <h1>{tenant.name}: billing and seats</h1>
      <p className="actions">
        <Link to="/dashboard">Dashboard</Link> · <Link to={`/org/${tenant.slug}/members`}>Members</Link>
      </p>
      <section className="card" aria-labelledby="current-title">
        <h2 id="current-title">Current plan</h2>
        <p data-testid="current-plan">
          Organization {plan.price.tier ? `(${plan.price.tier})` : ""}: <strong>{plan.quantity} seats</strong> at{" "}
          {money(plan.price.unitAmount, plan.price.currency)} per seat per {per}, {plan.assigned} assigned.
        </p>
        {plan.compliance === "over_limit" ? (
          <p className="banner-warning" role="alert">
            Over licence: {plan.assigned} seats are assigned but {plan.quantity} {plan.quantity === 1 ? "is" : "are"} paid for. Buy more
            seats or release {plan.assigned - plan.quantity}.
          </p>
        ) : null}
        {waitingFor !== null ? (
          <p className="notice" role="status" data-testid="waiting">
            Waiting for Stripe to confirm {waitingFor} seats...
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="change-title">
        <h2 id="change-title">Change seats</h2>
        <FormMessage result={result?.form === "change" ? result : null} testId="change-result" />
        <Form method="get" className="seat-slider">
          <label htmlFor="seat-count">
            Seats: <strong data-testid="seat-value">{seats}</strong>
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
            aria-valuetext={`${seats} seats`}
          />
          <div className="inline-fields">
            <div className="field">
              <label htmlFor="seat-number">Exact number</label>
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
                Preview price
              </button>
            </noscript>
          </div>
        </Form>
        <div className="seat-preview" aria-live="polite" data-testid="seat-preview">
          {decision.ok && decision.action === "change" ? (
            <>
              <p>
                {seats} seats on {decision.tier ?? "the plan"} at {money(decision.unitAmount, plan.price.currency)} per seat:{" "}
                <strong>
                  {money(decision.unitAmount * seats, plan.price.currency)} per {per}
                </strong>
                {decision.switchesTier ? ` (moves to the ${decision.tier} tier)` : ""}.
              </p>
              {quote ? (
                <p data-testid="proration">
                  {quote.proration === "always_invoice"
                    ? `Due now, prorated for the rest of this period: ${money(quote.preview.amountDue, quote.preview.currency)}.`
                    : `Credit for the rest of this period: ${money(-quote.preview.prorationAmount, quote.preview.currency)}, taken off your next invoice (${money(quote.preview.amountDue, quote.preview.currency)}).`}
                </p>
              ) : quoteError ? (
                <p className="form-error">{quoteError}</p>
              ) : (
                <p className="muted">Asking Stripe for the prorated amount...</p>
              )}
            </>
          ) : decision.ok ? (
            <p className="muted">Move the slider to change the number of seats.</p>
          ) : (
            <p className="form-error" role="alert">
              {decision.message}
            </p>
          )}
          {initialError && !fresh ? <p className="form-error">{initialError}</p> : null}
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value="change" />
          <input type="hidden" name="quantity" value={seats} />
          {/* Confirming bills as of the quote shown, so the charge is the amount above. */}
          {quote ? <input type="hidden" name="prorationDate" value={quote.prorationDate} /> : null}
          <SubmitButton disabled={!quote || !(decision.ok && decision.action === "change")} pendingLabel="Confirming with Stripe...">
            {decision.ok && decision.action === "change" && seats > plan.quantity
              ? `Buy ${seats - plan.quantity} more seat${seats - plan.quantity === 1 ? "" : "s"}`
              : `Change to ${seats} seats`}
          </SubmitButton>
        </Form>
      </section>
      {offers.length > 0 ? (
        <section className="card" aria-labelledby="addons-title">
          <h2 id="addons-title">Add-ons</h2>
          <FormMessage result={result?.form === "addon" ? result : null} testId="addon-result" />
          <ul>
            {offers.map((o) => (
              <li key={o.priceId} data-testid={`addon-${o.productKey}`}>
                <strong>{o.name}</strong>: {o.description} {money(o.unitAmount, o.currency)} per {o.interval === "year" ? "year" : "month"}.{" "}
                {o.owned ? (
                  <>
                    <span>On your subscription.</span>
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove_addon" />
                      <input type="hidden" name="priceId" value={o.priceId} />
                      <SubmitButton className="button button-secondary" pendingLabel="Asking Stripe...">
                        Remove {o.name}
                      </SubmitButton>
                    </Form>
                  </>
                ) : (
                  <Form method="post">
                    <input type="hidden" name="intent" value="addon" />
                    <input type="hidden" name="priceId" value={o.priceId} />
                    <SubmitButton pendingLabel="Confirming with Stripe...">Add {o.name}, paying the prorated amount now</SubmitButton>
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
