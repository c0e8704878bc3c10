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
import {
  AddProductFeatureInput,
  addProductFeature,
  CreateFeatureInput,
  createFeature,
  listFeatures,
  RemoveProductFeatureInput,
  removeProductFeature,
} from "../domain/catalog/features.server";
import { formatMoney } from "../domain/catalog/pricing";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { ActionMessage, AdminField, ReasonField } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const [products, { features, grants }] = await Promise.all([listCatalog({ db: context.db }), listFeatures({ db: context.db })]);
  return { products, features, grants };
}

const Intent = z
  .object({
    intent: z.enum(["create_product", "create_price", "flag", "create_feature", "add_feature", "remove_feature"], {
      error: "Unknown action.",
    }),
  })
  .passthrough();
const Flag = z.object({
  target: z.enum(["product", "price"]),
  id: z.string().min(1).max(64),
  change: z.enum(["publish", "unpublish", "archive"]),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  const now = context.now();
  // Every intent here writes the catalog: this isolate's storefront shows the change from its very
  // next request (ADR 024), also after a failure that may have written part of it (Stripe first).
  // Through the context: the Worker's copy of the version memo, not the server build's.
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
    if (intent === "create_feature") {
      const created = await createFeature({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(CreateFeatureInput, form),
        now,
      });
      return `Feature created${created.stripeFeatureId ? ` (in Stripe as ${created.stripeFeatureId})` : ""}. Add it to a product to grant it.`;
    }
    if (intent === "add_feature") {
      const added = await addProductFeature({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(AddProductFeatureInput, form),
        now,
      });
      const inStripe = added.stripeProductFeatureId ? " It is attached to the product in Stripe too." : "";
      return `${added.product} now grants ${added.feature}, to its existing entitlements too.${inStripe}`;
    }
    if (intent === "remove_feature") {
      await removeProductFeature({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(RemoveProductFeatureInput, form),
        now,
      });
      return "The feature was removed from the product, and from its existing entitlements.";
    }
    const flag = parseWith(Flag, form);
    await setCatalogFlag({ db: context.db, adminId: user.id, ...flag, now });
    return `${flag.target} ${flag.change}ed.`;
  }, "Done.").finally(() => context.catalogChanged());
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

function ProductFeatures(props: {
  product: { id: string; name: string; featuresVersion: number; prices: { id: string; lookupKey: string }[] };
  features: { id: string; key: string; name: string; kind: string }[];
  grants: { id: string; productId: string; priceId: string | null; featureId: string; limit: number | null }[];
}) {
  const { product, features, grants } = props;
  const mine = grants.filter((g) => g.productId === product.id);
  const keyOf = (id: string) => features.find((f) => f.id === id)?.key ?? id;
  const priceOf = (id: string | null) => (id ? (product.prices.find((x) => x.id === id)?.lookupKey ?? id) : "every price");
  return (
    <>
      <h3>
        Features <span className="badge">version {product.featuresVersion}</span>
      </h3>
      <p className="muted" id={`${product.id}-features-note`}>
        Granting or removing a feature applies at once to every existing entitlement of {product.name}, not only to new purchases. Each
        change makes a new version of this feature set; the audit log keeps the old and the new set.
      </p>
      {mine.length === 0 ? <p className="muted">{product.name} grants no feature: buying it unlocks nothing yet.</p> : null}
      <ul>
        {mine.map((g) => (
          <li key={g.id}>
            <code>{keyOf(g.featureId)}</code> ({priceOf(g.priceId)}){g.limit !== null ? ` limit ${g.limit}` : ""}
            <Form method="post" className="inline-form">
              <input type="hidden" name="intent" value="remove_feature" />
              <input type="hidden" name="productFeatureId" value={g.id} />
              <ReasonField id={`rm-${g.id}`} />
              <SubmitButton className="button button-small button-secondary" pendingLabel="Removing...">
                Remove
              </SubmitButton>
            </Form>
          </li>
        ))}
      </ul>
      <details>
        <summary>Grant a feature with {product.name}</summary>
        <p className="muted">
          Applies at once to every existing entitlement of this product (or price), not only to new purchases. A feature with a Stripe
          lookup key granted at every price is attached to the product in Stripe too.
        </p>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="add_feature" />
          <input type="hidden" name="productId" value={product.id} />
          <div className="field">
            <label htmlFor={`${product.id}-feature`}>Feature</label>
            <select id={`${product.id}-feature`} name="featureId" required defaultValue="">
              <option value="" disabled>
                Choose...
              </option>
              {features.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.key} ({f.kind})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${product.id}-fprice`}>Price</label>
            <select id={`${product.id}-fprice`} name="priceId" defaultValue="">
              <option value="">every price</option>
              {product.prices.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.lookupKey}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${product.id}-limit`}>Limit (limit features)</label>
            <input id={`${product.id}-limit`} name="limit" type="number" min={0} />
          </div>
          <ReasonField id={`${product.id}-freason`} />
          <SubmitButton className="button" pendingLabel="Granting...">
            Grant feature
          </SubmitButton>
        </Form>
      </details>
    </>
  );
}

export default function AdminCatalog() {
  const { products, features, grants } = useLoaderData<typeof loader>();
  return (
    <>
      <ActionMessage />
      <section className="card" aria-labelledby="features-heading">
        <h2 id="features-heading">Features</h2>
        <p className="muted">
          What access is made of: gates name a feature, products grant features. A person uses a user feature (a seat where the product has
          seats); owners and admins use an organisation feature.
        </p>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Used by</th>
              <th scope="col">Granted by</th>
              <th scope="col">In Stripe</th>
            </tr>
          </thead>
          <tbody>
            {features.map((f) => (
              <tr key={f.id}>
                <td>
                  <code>{f.key}</code>
                </td>
                <td>{f.name}</td>
                <td>{f.kind}</td>
                <td>{f.scope === "organization" ? "owners and admins" : "a person (seat)"}</td>
                <td>
                  {[
                    ...new Set(
                      grants
                        .filter((g) => g.featureId === f.id)
                        .map((g) => products.find((p) => p.id === g.productId)?.name ?? g.productId),
                    ),
                  ].join(", ") || "nothing"}
                </td>
                <td>{f.stripeLookupKey ? <code title={f.stripeFeatureId ?? undefined}>{f.stripeLookupKey}</code> : "not mirrored"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <details>
          <summary>New feature</summary>
          <Form method="post" className="inline-fields">
            <input type="hidden" name="intent" value="create_feature" />
            <AdminField id="nf-key" name="key" label="Key" required placeholder="reports.export" />
            <AdminField id="nf-name" name="name" label="Name" required />
            <AdminField id="nf-description" name="description" label="Description" />
            <div className="field">
              <label htmlFor="nf-kind">Kind</label>
              <select id="nf-kind" name="kind" defaultValue="boolean">
                <option value="boolean">on/off</option>
                <option value="limit">limit</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="nf-scope">Used by</label>
              <select id="nf-scope" name="scope" defaultValue="user">
                <option value="user">a person (seat)</option>
                <option value="organization">owners and admins</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="nf-stripe">Stripe lookup key (optional)</label>
              <input id="nf-stripe" name="stripeLookupKey" type="text" placeholder="reports-export" aria-describedby="nf-stripe-hint" />
              <small id="nf-stripe-hint" className="muted">
                Mirrors the feature to Stripe Entitlements; access is still decided here.
              </small>
            </div>
            <SubmitButton className="button" pendingLabel="Creating...">
              Create feature
            </SubmitButton>
          </Form>
        </details>
      </section>
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
            {p.key} · {p.kind} {p.seatBased ? "· per seat" : ""}
            {p.baseProductId ? ` · add-on of ${products.find((b) => b.id === p.baseProductId)?.name ?? p.baseProductId}` : ""} · Stripe{" "}
            {p.stripeProductId ?? "not created yet"}
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
          <ProductFeatures product={p} features={features} grants={grants} />
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
          <AdminField id="np-key" name="key" label="Key" required />
          <AdminField id="np-name" name="name" label="Name" required />
          <AdminField id="np-description" name="description" label="Description" />
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
          <div className="field">
            <label htmlFor="np-base">Add-on of</label>
            <select id="np-base" name="baseProductId" defaultValue="">
              <option value="">nothing (a product of its own)</option>
              {products
                .filter((p) => p.kind === "subscription" && !p.baseProductId)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} (an extra item on its subscription)
                  </option>
                ))}
            </select>
          </div>
          <SubmitButton pendingLabel="Working...">Create product</SubmitButton>
        </Form>
      </section>
    </>
  );
}
