import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { z } from "zod";
import { track } from "../domain/analytics/track.server";
import { formatMoney, priceForSeats, type PublicProduct, seatBounds, totalFor } from "../domain/catalog/pricing";
import { getPublicPricing } from "../domain/catalog/public-pricing.server";
import { badRequest, invalidInput } from "../domain/errors";
import { strictInt } from "../domain/input";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { SubmitButton } from "../components/submit-button";

export const meta: MetaFunction = () => [{ title: "Pricing · Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const pricing = await getPublicPricing({ db: context.db });
  return { products: pricing.products };
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
    const { products } = await getPublicPricing({ db: context.db });
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
  return (
    <fieldset className="interval-switch">
      <legend>Billing interval</legend>
      {(["month", "year"] as const).map((v) => (
        <label key={v}>
          <input type="radio" name="interval-choice" value={v} checked={props.value === v} onChange={() => props.onChange(v)} />
          {v === "month" ? "Monthly" : "Yearly (2 months free)"}
        </label>
      ))}
    </fieldset>
  );
}

function OrganizationCard(props: { product: PublicProduct; interval: "month" | "year"; seats: number; onSeats: (n: number) => void }) {
  const bounds = seatBounds(props.product.prices, props.interval) ?? { min: 1, max: 1 };
  const seats = Math.min(Math.max(props.seats, bounds.min), bounds.max);
  const setSeats = props.onSeats;
  const price = priceForSeats(props.product.prices, props.interval, seats);
  const per = props.interval === "month" ? "month" : "year";
  return (
    <article className="card" aria-labelledby="organization-title">
      <h2 id="organization-title">{props.product.name}</h2>
      <p className="muted">{props.product.description}</p>
      <Form method="post">
        <input type="hidden" name="product" value="organization" />
        <input type="hidden" name="interval" value={props.interval} />
        <div className="seat-slider field">
          <label htmlFor="seats">
            Seats:{" "}
            <output htmlFor="seats" data-testid="seat-count">
              {seats}
            </output>
          </label>
          <input
            id="seats"
            name="seats"
            type="range"
            min={bounds.min}
            max={bounds.max}
            step={1}
            value={seats}
            aria-valuetext={`${seats} seats`}
            onChange={(e) => setSeats(Number(e.currentTarget.value))}
          />
        </div>
        {price ? (
          <>
            <p className="price-big" aria-live="polite" data-testid="organization-total">
              {formatMoney(totalFor(price, seats), price.currency)} <span className="muted">/ {per}</span>
            </p>
            <p>
              Tier{" "}
              <span className="badge" data-testid="organization-tier">
                {price.tier}
              </span>{" "}
              {formatMoney(price.unitAmount, price.currency)} per seat per {per}
            </p>
          </>
        ) : (
          <p>No price for this number of seats.</p>
        )}
        <table className="tiers">
          <caption className="muted">Price per seat, by team size</caption>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">Seats</th>
              <th scope="col">Per seat / {per}</th>
            </tr>
          </thead>
          <tbody>
            {props.product.prices
              .filter((p) => p.interval === props.interval)
              .map((p) => (
                <tr key={p.id} className={p.id === price?.id ? "current" : undefined}>
                  <td>{p.tier}</td>
                  <td>
                    {p.minSeats}-{p.maxSeats}
                  </td>
                  <td>{formatMoney(p.unitAmount, p.currency)}</td>
                </tr>
              ))}
          </tbody>
        </table>
        <SubmitButton pendingLabel="Starting checkout...">Upgrade Organization</SubmitButton>
      </Form>
    </article>
  );
}

function AcceleratorCard(props: { product: PublicProduct }) {
  const price = props.product.prices[0];
  return (
    <article className="card" aria-labelledby="accelerator-title">
      <h2 id="accelerator-title">{props.product.name}</h2>
      <p className="muted">{props.product.description}</p>
      {price ? (
        <p className="price-big" data-testid="accelerator-total">
          {formatMoney(price.unitAmount, price.currency)} <span className="muted">once</span>
        </p>
      ) : null}
      <ul>
        <li>Lifetime access to the Accelerator course</li>
        <li>Includes a 30-day Organization trial</li>
      </ul>
      <Form method="post">
        <input type="hidden" name="product" value="accelerator" />
        <SubmitButton pendingLabel="Starting checkout...">Enroll in Accelerator</SubmitButton>
      </Form>
    </article>
  );
}

/** Any other published product (made in Admin → Catalog): what it grants, its price, and a way to buy it. */
function ProductCard(props: { product: PublicProduct; interval: "month" | "year" }) {
  const { product } = props;
  const price = product.prices.find((p) => p.interval === props.interval) ?? product.prices[0];
  const titleId = `product-${product.key}-title`;
  return (
    <article className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>{product.name}</h2>
      <p className="muted">{product.description}</p>
      {price ? (
        <p className="price-big">
          {formatMoney(price.unitAmount, price.currency)} <span className="muted">{price.interval ? `/ ${price.interval}` : "once"}</span>
        </p>
      ) : null}
      <ul>
        {[...product.features, ...(price?.features ?? [])].map((f) => (
          <li key={f.key}>
            {f.name}
            {f.kind === "limit" && f.limit !== null ? `: ${f.limit}` : ""}
          </li>
        ))}
      </ul>
      <Form method="post">
        <input type="hidden" name="product" value={product.key} />
        <input type="hidden" name="interval" value={price?.interval ?? "month"} />
        <input type="hidden" name="seats" value={price?.minSeats ?? 1} />
        <SubmitButton pendingLabel="Starting checkout...">{`Buy ${product.name}`}</SubmitButton>
      </Form>
    </article>
  );
}

export default function Pricing() {
  const { products } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const [interval, setBillingInterval] = useState<"month" | "year">(params.get("interval") === "year" ? "year" : "month");
  const [seats, setSeats] = useState(() => Number(params.get("seats")) || 5);
  const organization = products.find((p) => p.key === "organization");
  const accelerator = products.find((p) => p.key === "accelerator");
  return (
    <>
      <h1>Pricing</h1>
      {organization ? <IntervalSwitch value={interval} onChange={setBillingInterval} /> : null}
      <div className="pricing-grid">
        {organization ? <OrganizationCard product={organization} interval={interval} seats={seats} onSeats={setSeats} /> : null}
        {accelerator ? <AcceleratorCard product={accelerator} /> : null}
        {products
          .filter((p) => p !== organization && p !== accelerator)
          .map((p) => (
            <ProductCard key={p.key} product={p} interval={interval} />
          ))}
      </div>
      {products.length === 0 ? <p>No products are on sale right now.</p> : null}
    </>
  );
}
