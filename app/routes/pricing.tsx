import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { track } from "../domain/analytics/track.server";
import { priceForSeats, type PublicPrice, type PublicProduct, seatBounds, totalFor } from "../domain/catalog/pricing";
import { getPublicPricing } from "../domain/catalog/public-pricing.server";
import { badRequest, invalidInput } from "../domain/errors";
import { strictInt } from "../domain/input";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { SubmitButton } from "../components/submit-button";
import { formatMoney, formatNumber } from "../i18n/format";
import { usePageLocale } from "../i18n/use-page-locale";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["billing"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const pricing = await getPublicPricing({ db: context.db, locale: await context.locale() });
  return { products: pricing.products, title: await pageTitle(context, "billing:pricing.title") };
}

const UpgradeClick = z.object({
  // Any published product's key: checked against the public catalog below.
  product: z.string({ error: "Choose a product." }).trim().min(1, "Choose a product.").max(80),
  interval: z.enum(["month", "year"]).default("month"),
  seats: strictInt({ min: 1, max: 1000, label: "Seats" }).default(1),
});

// A CTA click is recorded, then the buyer continues to checkout (through signup when signed out).
export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async () => {
    const input = parseWith(UpgradeClick, await readForm(request));
    const { products } = await getPublicPricing({ db: context.db, locale: await context.locale() });
    const product = products.find((p) => p.key === input.product);
    if (!product) throw invalidInput("That product is not on sale.", { product: ["That product is not on sale."] });
    if (product.seatBased && !priceForSeats(product.prices, input.interval, input.seats)) {
      throw badRequest("No price covers that number of seats.", { seats: ["No price covers that number of seats."] });
    }
    const session = await context.session();
    // The click is counted only within the analytics limit; the buyer goes on to checkout either way.
    if (await context.withinLimit("analytics", session?.user.id ?? context.clientAddress))
      await track({
        db: context.db,
        name: "pricing_upgrade_click",
        userId: session?.user.id,
        properties: { product: input.product, interval: input.interval, seats: input.seats },
        now: context.now(),
      });
    const checkout = `/checkout/start?${new URLSearchParams({ plan: input.product, interval: input.interval, seats: String(input.seats) })}`;
    if (!session) return redirect(`/signup?redirectTo=${encodeURIComponent(checkout)}`);
    return redirect(checkout);
  }, "On to checkout.");
}

function IntervalSwitch(props: { value: "month" | "year"; onChange: (v: "month" | "year") => void }) {
  const { t } = useTranslation("billing");
  return (
    <fieldset className="interval-switch">
      <legend>{t("pricing.intervalLegend")}</legend>
      {(["month", "year"] as const).map((v) => (
        <label key={v}>
          <input type="radio" name="interval-choice" value={v} checked={props.value === v} onChange={() => props.onChange(v)} />
          {v === "month" ? t("pricing.monthly") : t("pricing.yearly")}
        </label>
      ))}
    </fieldset>
  );
}

/** The pricing page's button: the product's own label (data), else "Upgrade" a seat plan, "Buy" anything else. */
const ctaOf = (product: PublicProduct, t: (key: string, o: Record<string, unknown>) => string) =>
  product.ctaLabel ?? t(product.seatBased ? "pricing.upgrade" : "pricing.buy", { name: product.name });

/** "/ month" or "/ year" after a price. */
const perLabel = (interval: "month" | "year", t: (key: string) => string) =>
  t(interval === "month" ? "pricing.perMonth" : "pricing.perYear");

/** What a product and one of its prices grant, as the card lists it. */
function Grants(props: { product: PublicProduct; price: PublicPrice | null }) {
  const { product, price } = props;
  const { t } = useTranslation("billing");
  const locale = usePageLocale();
  const features = [...product.features, ...(price?.features ?? [])];
  const lines = [
    ...features.map((f) => `${f.name}${f.kind === "limit" && f.limit !== null ? `: ${formatNumber(f.limit, locale)}` : ""}`),
    ...(product.kind === "one_time" && price
      ? [
          price.accessDays
            ? t("pricing.accessDays", { count: price.accessDays, days: formatNumber(price.accessDays, locale) })
            : t("pricing.lifetime"),
        ]
      : []),
    ...(price?.trial ? [t("pricing.trial", { count: price.trial.days, days: price.trial.days, product: price.trial.productName })] : []),
  ];
  return lines.length ? (
    <ul>
      {lines.map((l) => (
        <li key={l}>{l}</li>
      ))}
    </ul>
  ) : null;
}

/** The add-ons sold on top of a product: bought on an organisation's billing page, never through Checkout (ADR 019). */
function Addons(props: { base: { key: string; name: string }; addons: PublicProduct[]; interval: "month" | "year" }) {
  const { t } = useTranslation("billing");
  const locale = usePageLocale();
  if (props.addons.length === 0) return null;
  return (
    <section aria-labelledby={`${props.base.key}-addons-title`} className="addons">
      <h3 id={`${props.base.key}-addons-title`}>{t("pricing.addonsFor", { name: props.base.name })}</h3>
      <ul>
        {props.addons.map((a) => {
          const price = a.prices.find((p) => p.interval === props.interval) ?? a.prices[0] ?? null;
          return (
            <li key={a.key} data-testid={`addon-${a.key}`}>
              <strong>{a.name}</strong>
              {price
                ? ` · ${formatMoney(price.unitAmount, price.currency, locale)}${price.interval ? ` ${perLabel(price.interval, t)}` : ""}`
                : ""}
              {a.description ? <span className="muted"> {a.description}</span> : null}
              <Grants product={a} price={price} />
            </li>
          );
        })}
      </ul>
      <p className="muted">{t("pricing.addonsHint", { name: props.base.name })}</p>
    </section>
  );
}

/** A seat-based subscription: the interval, a seat slider, the live total and the tier it falls in. */
function SeatCard(props: {
  product: PublicProduct;
  addons: PublicProduct[];
  interval: "month" | "year";
  seats: number;
  onSeats: (n: number) => void;
}) {
  const { product } = props;
  const { t } = useTranslation("billing");
  const locale = usePageLocale();
  const bounds = seatBounds(product.prices, props.interval) ?? { min: 1, max: 1 };
  const seats = Math.min(Math.max(props.seats, bounds.min), bounds.max);
  const setSeats = props.onSeats;
  const price = priceForSeats(product.prices, props.interval, seats);
  const slider = `seats-${product.key}`;
  return (
    <article className="card" aria-labelledby={`${product.key}-title`}>
      <h2 id={`${product.key}-title`}>{product.name}</h2>
      <p className="muted">{product.description}</p>
      <Form method="post">
        <input type="hidden" name="product" value={product.key} />
        <input type="hidden" name="interval" value={props.interval} />
        <div className="seat-slider field">
          <label htmlFor={slider}>
            {t("pricing.seats")}{" "}
            <output htmlFor={slider} data-testid="seat-count">
              {seats}
            </output>
          </label>
          <input
            id={slider}
            name="seats"
            type="range"
            min={bounds.min}
            max={bounds.max}
            step={1}
            value={seats}
            aria-valuetext={t("pricing.seatsValue", { count: seats })}
            onChange={(e) => setSeats(Number(e.currentTarget.value))}
          />
        </div>
        {price ? (
          <>
            <p className="price-big" aria-live="polite" data-testid={`${product.key}-total`}>
              {formatMoney(totalFor(price, seats), price.currency, locale)} <span className="muted">{perLabel(props.interval, t)}</span>
            </p>
            <p>
              {t("pricing.tier")}{" "}
              <span className="badge" data-testid={`${product.key}-tier`}>
                {price.tier}
              </span>{" "}
              {t(props.interval === "month" ? "pricing.perSeatMonth" : "pricing.perSeatYear", {
                price: formatMoney(price.unitAmount, price.currency, locale),
              })}
            </p>
          </>
        ) : (
          <p>{t("pricing.noPrice")}</p>
        )}
        <table className="tiers">
          <caption className="muted">{t("pricing.tiersCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("pricing.tier")}</th>
              <th scope="col">{t("pricing.colSeats")}</th>
              <th scope="col">{t(props.interval === "month" ? "pricing.colPerSeatMonth" : "pricing.colPerSeatYear")}</th>
            </tr>
          </thead>
          <tbody>
            {product.prices
              .filter((p) => p.interval === props.interval)
              .map((p) => (
                <tr key={p.id} className={p.id === price?.id ? "current" : undefined}>
                  <td>{p.tier}</td>
                  <td>
                    {p.minSeats}-{p.maxSeats}
                  </td>
                  <td>{formatMoney(p.unitAmount, p.currency, locale)}</td>
                </tr>
              ))}
          </tbody>
        </table>
        <SubmitButton pendingLabel={t("pricing.starting")}>{ctaOf(product, t)}</SubmitButton>
      </Form>
      <Addons base={product} addons={props.addons} interval={props.interval} />
    </article>
  );
}

/** Any other product: a one-time purchase or a subscription without seats, what it grants, its price and a way to buy it. */
function ProductCard(props: { product: PublicProduct; addons: PublicProduct[]; interval: "month" | "year" }) {
  const { product } = props;
  const { t } = useTranslation("billing");
  const locale = usePageLocale();
  const price = product.prices.find((p) => p.interval === props.interval) ?? product.prices[0] ?? null;
  const titleId = `product-${product.key}-title`;
  return (
    <article className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>{product.name}</h2>
      <p className="muted">{product.description}</p>
      {product.addonOf ? <p>{t("pricing.addonOf", { name: product.addonOf.name })}</p> : null}
      {price ? (
        <p className="price-big" data-testid={`${product.key}-total`}>
          {formatMoney(price.unitAmount, price.currency, locale)}{" "}
          <span className="muted">{price.interval ? perLabel(price.interval, t) : t("pricing.once")}</span>
        </p>
      ) : null}
      <Grants product={product} price={price} />
      {product.addonOf ? (
        <p className="muted">{t("pricing.addonHint", { name: product.addonOf.name })}</p>
      ) : (
        <Form method="post">
          <input type="hidden" name="product" value={product.key} />
          <input type="hidden" name="interval" value={price?.interval ?? "month"} />
          <input type="hidden" name="seats" value={price?.minSeats ?? 1} />
          <SubmitButton pendingLabel={t("pricing.starting")}>{ctaOf(product, t)}</SubmitButton>
        </Form>
      )}
      <Addons base={product} addons={props.addons} interval={props.interval} />
    </article>
  );
}

// Every published product from the catalog (data, ADR 018): seat plans with their slider, anything
// else with its price; add-ons inside the card of the product they are sold on top of.
export default function Pricing() {
  const { t } = useTranslation("billing");
  const { products } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const [interval, setBillingInterval] = useState<"month" | "year">(params.get("interval") === "year" ? "year" : "month");
  const [seats, setSeats] = useState(() => Number(params.get("seats")) || 5);
  const keys = new Set(products.map((p) => p.key));
  const addonsOf = (key: string) => products.filter((p) => p.addonOf?.key === key);
  // An add-on whose base is on sale is listed in its base's card; one whose base is not, on its own.
  // Seat plans first, then other subscriptions, then one-time products, each in catalog order.
  const rank = (p: PublicProduct) => (p.seatBased ? 0 : p.kind === "subscription" ? 1 : 2);
  const cards = products.filter((p) => !(p.addonOf && keys.has(p.addonOf.key))).sort((a, b) => rank(a) - rank(b));
  const intervals = new Set(products.filter((p) => p.kind === "subscription").flatMap((p) => p.prices.map((x) => x.interval)));
  return (
    <>
      <h1>{t("pricing.title")}</h1>
      {intervals.has("month") && intervals.has("year") ? <IntervalSwitch value={interval} onChange={setBillingInterval} /> : null}
      <div className="pricing-grid">
        {cards.map((p) =>
          p.seatBased && p.kind === "subscription" ? (
            <SeatCard key={p.key} product={p} addons={addonsOf(p.key)} interval={interval} seats={seats} onSeats={setSeats} />
          ) : (
            <ProductCard key={p.key} product={p} addons={addonsOf(p.key)} interval={interval} />
          ),
        )}
      </div>
      {products.length === 0 ? <p>{t("pricing.none")}</p> : null}
    </>
  );
}
