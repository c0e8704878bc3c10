import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import {
  createPrice,
  CreatePriceInput,
  createProduct,
  CreateProductInput,
  listCatalog,
  setCatalogFlag,
} from "../domain/catalog/products.server";
import { formatMoney } from "../domain/catalog/pricing";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { ActionMessage } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return { products: await listCatalog({ db: context.db }) };
}

const Intent = z.object({ intent: z.enum(["create_product", "create_price", "flag"], { error: "Unknown action." }) }).passthrough();
const Flag = z.object({
  target: z.enum(["product", "price"]),
  id: z.string().min(1).max(64),
  change: z.enum(["publish", "unpublish", "archive"]),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  const now = context.now();
  return runAction(async () => {
    const form = await readForm(request);
    const { intent } = parseWith(Intent, form);
    if (intent === "create_product") {
      await createProduct({ db: context.db, adminId: user.id, input: parseWith(CreateProductInput, form), now });
      return "Product created (unpublished).";
    }
    if (intent === "create_price") {
      const { stripePriceId } = await createPrice({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(CreatePriceInput, form),
        now,
      });
      return `Price created in Stripe as ${stripePriceId} (unpublished).`;
    }
    const flag = parseWith(Flag, form);
    await setCatalogFlag({ db: context.db, adminId: user.id, ...flag, now });
    return `${flag.target} ${flag.change}ed.`;
  }, "Done.");
}

function FlagButton(props: { target: "product" | "price"; id: string; change: "publish" | "unpublish" | "archive"; label: string }) {
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value="flag" />
      <input type="hidden" name="target" value={props.target} />
      <input type="hidden" name="id" value={props.id} />
      <input type="hidden" name="change" value={props.change} />
      <SubmitButton className="button button-small button-secondary" pendingLabel="Working...">
        {props.label}
      </SubmitButton>
    </Form>
  );
}

export default function AdminCatalog() {
  const { products } = useLoaderData<typeof loader>();
  return (
    <>
      <ActionMessage />
      {products.map((p) => (
        <section className="card" key={p.id} aria-labelledby={`p-${p.id}`}>
          <h2 id={`p-${p.id}`}>
            {p.name} <span className="badge">{p.published ? "published" : "unpublished"}</span>{" "}
            <FlagButton
              target="product"
              id={p.id}
              change={p.published ? "unpublish" : "publish"}
              label={p.published ? "Unpublish" : "Publish"}
            />
          </h2>
          <p className="muted">
            {p.key} · {p.kind} {p.seatBased ? "· per seat" : ""} · Stripe {p.stripeProductId ?? "not created yet"}
          </p>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Lookup key</th>
                <th scope="col">Amount</th>
                <th scope="col">Tier / seats</th>
                <th scope="col">State</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {p.prices.map((x) => (
                <tr key={x.id}>
                  <td>{x.lookupKey}</td>
                  <td>
                    {formatMoney(x.unitAmount, x.currency)}
                    {x.interval ? ` / ${x.interval}` : " once"}
                  </td>
                  <td>{x.tier ? `${x.tier} ${x.minSeats}-${x.maxSeats}` : "-"}</td>
                  <td>{x.archived ? "archived" : x.published ? "published" : "unpublished"}</td>
                  <td>
                    {x.archived ? null : (
                      <>
                        <FlagButton
                          target="price"
                          id={x.id}
                          change={x.published ? "unpublish" : "publish"}
                          label={x.published ? "Unpublish" : "Publish"}
                        />
                        <FlagButton target="price" id={x.id} change="archive" label="Archive" />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>New price for {p.name}</summary>
            <Form method="post" className="inline-fields">
              <input type="hidden" name="intent" value="create_price" />
              <input type="hidden" name="productId" value={p.id} />
              {(
                [
                  ["lookupKey", "Lookup key", "text"],
                  ["currency", "Currency", "text"],
                  ["unitAmount", "Amount (cents)", "number"],
                  ["tier", "Tier", "text"],
                  ["minSeats", "Min seats", "number"],
                  ["maxSeats", "Max seats", "number"],
                  ["accessDays", "Access days", "number"],
                ] as const
              ).map(([name, label, type]) => (
                <div className="field" key={name}>
                  <label htmlFor={`${p.id}-${name}`}>{label}</label>
                  <input id={`${p.id}-${name}`} name={name} type={type} defaultValue={name === "currency" ? "eur" : undefined} />
                </div>
              ))}
              <div className="field">
                <label htmlFor={`${p.id}-interval`}>Interval</label>
                <select id={`${p.id}-interval`} name="interval" defaultValue={p.kind === "subscription" ? "month" : ""}>
                  <option value="">none (one-time)</option>
                  <option value="month">month</option>
                  <option value="year">year</option>
                </select>
              </div>
              <SubmitButton pendingLabel="Working...">Create price</SubmitButton>
            </Form>
          </details>
        </section>
      ))}
      <section className="card" aria-labelledby="new-product">
        <h2 id="new-product">New product</h2>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="create_product" />
          <div className="field">
            <label htmlFor="np-key">Key</label>
            <input id="np-key" name="key" type="text" required />
          </div>
          <div className="field">
            <label htmlFor="np-name">Name</label>
            <input id="np-name" name="name" type="text" required />
          </div>
          <div className="field">
            <label htmlFor="np-description">Description</label>
            <input id="np-description" name="description" type="text" />
          </div>
          <div className="field">
            <label htmlFor="np-kind">Kind</label>
            <select id="np-kind" name="kind" defaultValue="subscription">
              <option value="subscription">subscription</option>
              <option value="one_time">one-time</option>
            </select>
          </div>
          <div className="field">
            <label>
              <input type="checkbox" name="seatBased" value="on" /> Per seat
            </label>
          </div>
          <SubmitButton pendingLabel="Working...">Create product</SubmitButton>
        </Form>
      </section>
    </>
  );
}
