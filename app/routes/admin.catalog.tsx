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
import {
  CATALOG_TEXT_LIMITS,
  type CatalogTextField,
  type CatalogTranslations,
  FEATURE_TEXT_FIELDS,
  FeatureTextInput,
  parseTranslations,
  PRODUCT_TEXT_FIELDS,
  ProductTextInput,
  textFieldName,
  TRANSLATED_LOCALES,
} from "../domain/catalog/catalog-text";
import { setCatalogText } from "../domain/catalog/catalog-text.server";
import { LOCALE_NAMES } from "../i18n/config";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { ActionMessage, AdminField, ReasonField, useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const [products, { features, grants }] = await Promise.all([listCatalog({ db: context.db }), listFeatures({ db: context.db })]);
  // The text in other languages as the forms show it (ADR 026).
  return {
    products: products.map((p) => ({ ...p, translations: parseTranslations(p.translations) })),
    features: features.map((f) => ({ ...f, translations: parseTranslations(f.translations) })),
    grants,
  };
}

const Intent = z
  .object({
    intent: z.enum(
      ["create_product", "create_price", "flag", "create_feature", "add_feature", "remove_feature", "product_text", "feature_text"],
      {
        error: "Unknown action.",
      },
    ),
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
  const { t } = await context.i18n();
  // Every intent here writes the catalog: this isolate's storefront shows the change from its very
  // next request (ADR 025), also after a failure that may have written part of it (Stripe first).
  // Through the context: the Worker's copy of the version memo, not the server build's.
  return runAction(async () => {
    const form = await readForm(request);
    const { intent } = parseWith(Intent, form);
    if (intent === "create_product") {
      await createProduct({ db: context.db, adminId: user.id, input: parseWith(CreateProductInput, form), now });
      return t("admin:catalog.done.product");
    }
    if (intent === "create_price") {
      const { stripePriceId } = await createPrice({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(CreatePriceInput, form),
        now,
      });
      return t("admin:catalog.done.price", { id: stripePriceId });
    }
    if (intent === "create_feature") {
      const created = await createFeature({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(CreateFeatureInput, form),
        now,
      });
      return created.stripeFeatureId
        ? t("admin:catalog.done.featureInStripe", { id: created.stripeFeatureId })
        : t("admin:catalog.done.feature");
    }
    if (intent === "add_feature") {
      const added = await addProductFeature({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(AddProductFeatureInput, form),
        now,
      });
      return t(added.stripeProductFeatureId ? "admin:catalog.done.grantsInStripe" : "admin:catalog.done.grants", {
        product: added.product,
        feature: added.feature,
      });
    }
    if (intent === "remove_feature") {
      await removeProductFeature({
        db: context.db,
        gateway: context.billing(),
        adminId: user.id,
        input: parseWith(RemoveProductFeatureInput, form),
        now,
      });
      return t("admin:catalog.done.removed");
    }
    if (intent === "product_text" || intent === "feature_text") {
      const target = intent === "product_text" ? "product" : "feature";
      const input = parseWith(target === "product" ? ProductTextInput : FeatureTextInput, form);
      const { changed } = await setCatalogText({ db: context.db, adminId: user.id, target, ...input, now });
      return t(changed ? "admin:catalog.done.text" : "admin:catalog.done.textUnchanged");
    }
    const flag = parseWith(Flag, form);
    await setCatalogFlag({ db: context.db, adminId: user.id, ...flag, now });
    return t(`admin:catalog.done.flag.${flag.target}.${flag.change}`);
  }, "Done.").finally(() => context.catalogChanged());
}

function FlagButton(props: { target: "product" | "price"; id: string; change: "publish" | "unpublish" | "archive"; label: string }) {
  const { t } = useTranslation("admin");
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value="flag" />
      <input type="hidden" name="target" value={props.target} />
      <input type="hidden" name="id" value={props.id} />
      <input type="hidden" name="change" value={props.change} />
      <SubmitButton className="button button-small button-secondary" pendingLabel={t("working")}>
        {props.label}
      </SubmitButton>
    </Form>
  );
}

/** The name, description (and a product's button label) in each language but English; empty shows the English. */
function TextForm(props: {
  intent: "product_text" | "feature_text";
  id: string;
  name: string;
  fields: readonly CatalogTextField[];
  translations: CatalogTranslations;
}) {
  const { t } = useTranslation("admin");
  return (
    <details>
      <summary>{t("catalog.text.title", { name: props.name })}</summary>
      <p className="muted">{t("catalog.text.note")}</p>
      <Form method="post">
        <input type="hidden" name="intent" value={props.intent} />
        <input type="hidden" name="id" value={props.id} />
        {TRANSLATED_LOCALES.map((locale) => (
          <fieldset key={locale} className="inline-fields">
            <legend>{LOCALE_NAMES[locale]}</legend>
            {props.fields.map((field) => {
              const name = textFieldName(field, locale);
              const id = `${props.id}-${name}`;
              return (
                <div className="field" key={field}>
                  <label htmlFor={id}>{t(`catalog.text.${field}`)}</label>
                  {field === "description" ? (
                    <textarea
                      id={id}
                      name={name}
                      lang={locale}
                      maxLength={CATALOG_TEXT_LIMITS[field].max}
                      rows={2}
                      defaultValue={props.translations[locale]?.[field] ?? ""}
                    />
                  ) : (
                    <input
                      id={id}
                      name={name}
                      type="text"
                      lang={locale}
                      maxLength={CATALOG_TEXT_LIMITS[field].max}
                      defaultValue={props.translations[locale]?.[field] ?? ""}
                    />
                  )}
                </div>
              );
            })}
          </fieldset>
        ))}
        <SubmitButton className="button button-small" pendingLabel={t("working")}>
          {t("catalog.text.save")}
        </SubmitButton>
      </Form>
    </details>
  );
}

function ProductFeatures(props: {
  product: { id: string; name: string; featuresVersion: number; prices: { id: string; lookupKey: string }[] };
  features: { id: string; key: string; name: string; kind: string }[];
  grants: { id: string; productId: string; priceId: string | null; featureId: string; limit: number | null }[];
}) {
  const { product, features, grants } = props;
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  const mine = grants.filter((g) => g.productId === product.id);
  const keyOf = (id: string) => features.find((x) => x.id === id)?.key ?? id;
  const priceOf = (id: string | null) => (id ? (product.prices.find((x) => x.id === id)?.lookupKey ?? id) : t("catalog.everyPrice"));
  return (
    <>
      <h3>
        {t("catalog.features.title")}{" "}
        <span className="badge">{t("catalog.features.version", { version: f.number(product.featuresVersion) })}</span>
      </h3>
      <p className="muted" id={`${product.id}-features-note`}>
        {t("catalog.features.note", { product: product.name })}
      </p>
      {mine.length === 0 ? <p className="muted">{t("catalog.features.noneGranted", { product: product.name })}</p> : null}
      <ul>
        {mine.map((g) => (
          <li key={g.id}>
            <code>{keyOf(g.featureId)}</code> ({priceOf(g.priceId)})
            {g.limit !== null ? ` ${t("catalog.features.limit", { limit: f.number(g.limit) })}` : ""}
            <Form method="post" className="inline-form">
              <input type="hidden" name="intent" value="remove_feature" />
              <input type="hidden" name="productFeatureId" value={g.id} />
              <ReasonField id={`rm-${g.id}`} />
              <SubmitButton className="button button-small button-secondary" pendingLabel={t("catalog.features.removing")}>
                {t("catalog.features.remove")}
              </SubmitButton>
            </Form>
          </li>
        ))}
      </ul>
      <details>
        <summary>{t("catalog.features.grantWith", { product: product.name })}</summary>
        <p className="muted">{t("catalog.features.grantNote")}</p>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="add_feature" />
          <input type="hidden" name="productId" value={product.id} />
          <div className="field">
            <label htmlFor={`${product.id}-feature`}>{t("catalog.features.feature")}</label>
            <select id={`${product.id}-feature`} name="featureId" required defaultValue="">
              <option value="" disabled>
                {t("choose")}
              </option>
              {features.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.key} ({t(`kind.${x.kind}`, { defaultValue: x.kind })})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${product.id}-fprice`}>{t("catalog.features.price")}</label>
            <select id={`${product.id}-fprice`} name="priceId" defaultValue="">
              <option value="">{t("catalog.everyPrice")}</option>
              {product.prices.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.lookupKey}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${product.id}-limit`}>{t("limitField")}</label>
            <input id={`${product.id}-limit`} name="limit" type="number" min={0} />
          </div>
          <ReasonField id={`${product.id}-freason`} />
          <SubmitButton className="button" pendingLabel={t("granting")}>
            {t("catalog.features.grant")}
          </SubmitButton>
        </Form>
      </details>
    </>
  );
}

export default function AdminCatalog() {
  const { products, features, grants } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  const kind = (k: string) => t(`kind.${k}`, { defaultValue: k });
  const state = (x: { archived?: boolean; published: boolean }) =>
    x.archived ? t("catalog.state.archived") : x.published ? t("catalog.state.published") : t("catalog.state.unpublished");
  return (
    <>
      <ActionMessage />
      <section className="card" aria-labelledby="features-heading">
        <h2 id="features-heading">{t("catalog.features.title")}</h2>
        <p className="muted">{t("catalog.features.intro")}</p>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("catalog.key")}</th>
              <th scope="col">{t("catalog.name")}</th>
              <th scope="col">{t("catalog.kind")}</th>
              <th scope="col">{t("catalog.usedBy")}</th>
              <th scope="col">{t("catalog.grantedBy")}</th>
              <th scope="col">{t("catalog.inStripe")}</th>
            </tr>
          </thead>
          <tbody>
            {features.map((feature) => (
              <tr key={feature.id}>
                <td>
                  <code>{feature.key}</code>
                </td>
                <td>{feature.name}</td>
                <td>{kind(feature.kind)}</td>
                <td>{feature.scope === "organization" ? t("catalog.scope.organization") : t("catalog.scope.user")}</td>
                <td>
                  {[
                    ...new Set(
                      grants
                        .filter((g) => g.featureId === feature.id)
                        .map((g) => products.find((p) => p.id === g.productId)?.name ?? g.productId),
                    ),
                  ].join(", ") || t("catalog.nothing")}
                </td>
                <td>
                  {feature.stripeLookupKey ? (
                    <code title={feature.stripeFeatureId ?? undefined}>{feature.stripeLookupKey}</code>
                  ) : (
                    t("catalog.notMirrored")
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <details>
          <summary>{t("catalog.newFeature.title")}</summary>
          <Form method="post" className="inline-fields">
            <input type="hidden" name="intent" value="create_feature" />
            <AdminField id="nf-key" name="key" label={t("catalog.key")} required placeholder="reports.export" />
            <AdminField id="nf-name" name="name" label={t("catalog.name")} required />
            <AdminField id="nf-description" name="description" label={t("catalog.description")} />
            <div className="field">
              <label htmlFor="nf-kind">{t("catalog.kind")}</label>
              <select id="nf-kind" name="kind" defaultValue="boolean">
                <option value="boolean">{t("catalog.newFeature.boolean")}</option>
                <option value="limit">{kind("limit")}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="nf-scope">{t("catalog.usedBy")}</label>
              <select id="nf-scope" name="scope" defaultValue="user">
                <option value="user">{t("catalog.scope.user")}</option>
                <option value="organization">{t("catalog.scope.organization")}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="nf-stripe">{t("catalog.newFeature.lookupKey")}</label>
              <input id="nf-stripe" name="stripeLookupKey" type="text" placeholder="reports-export" aria-describedby="nf-stripe-hint" />
              <small id="nf-stripe-hint" className="muted">
                {t("catalog.newFeature.lookupKeyHint")}
              </small>
            </div>
            <SubmitButton className="button" pendingLabel={t("creating")}>
              {t("catalog.newFeature.submit")}
            </SubmitButton>
          </Form>
        </details>
        {features.map((feature) => (
          <TextForm
            key={feature.id}
            intent="feature_text"
            id={feature.id}
            name={feature.key}
            fields={FEATURE_TEXT_FIELDS}
            translations={feature.translations}
          />
        ))}
      </section>
      {products.map((p) => (
        <section className="card" key={p.id} aria-labelledby={`p-${p.id}`}>
          <h2 id={`p-${p.id}`}>
            {p.name} <span className="badge">{state(p)}</span>{" "}
            <FlagButton
              target="product"
              id={p.id}
              change={p.published ? "unpublish" : "publish"}
              label={p.published ? t("catalog.unpublish") : t("catalog.publish")}
            />
          </h2>
          {/* eslint-disable i18next/no-literal-string -- "Stripe" is a name, the same in every language */}
          <p className="muted">
            {p.key} · {kind(p.kind)} {p.seatBased ? `· ${t("catalog.perSeat")}` : ""}
            {p.baseProductId
              ? ` · ${t("catalog.addOnOf", { product: products.find((b) => b.id === p.baseProductId)?.name ?? p.baseProductId })}`
              : ""}{" "}
            · Stripe {p.stripeProductId ?? t("catalog.notCreated")}
          </p>
          {/* eslint-enable i18next/no-literal-string */}
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t("catalog.lookupKey")}</th>
                <th scope="col">{t("catalog.amount")}</th>
                <th scope="col">{t("catalog.tierSeats")}</th>
                <th scope="col">{t("catalog.state.title")}</th>
                <th scope="col">{t("catalog.change")}</th>
              </tr>
            </thead>
            <tbody>
              {p.prices.map((x) => (
                <tr key={x.id}>
                  <td>{x.lookupKey}</td>
                  <td>
                    {f.money(x.unitAmount, x.currency)}
                    {x.interval ? ` / ${t(`interval.${x.interval}`, { defaultValue: x.interval })}` : ` ${t("catalog.once")}`}
                  </td>
                  <td>{x.tier ? `${x.tier} ${x.minSeats}-${x.maxSeats}` : "-"}</td>
                  <td>{state(x)}</td>
                  <td>
                    {x.archived ? null : (
                      <>
                        <FlagButton
                          target="price"
                          id={x.id}
                          change={x.published ? "unpublish" : "publish"}
                          label={x.published ? t("catalog.unpublish") : t("catalog.publish")}
                        />
                        <FlagButton target="price" id={x.id} change="archive" label={t("catalog.archive")} />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <TextForm intent="product_text" id={p.id} name={p.name} fields={PRODUCT_TEXT_FIELDS} translations={p.translations} />
          <ProductFeatures product={p} features={features} grants={grants} />
          <details>
            <summary>{t("catalog.newPrice.title", { product: p.name })}</summary>
            <Form method="post" className="inline-fields">
              <input type="hidden" name="intent" value="create_price" />
              <input type="hidden" name="productId" value={p.id} />
              {(
                [
                  ["lookupKey", "text"],
                  ["currency", "text"],
                  ["unitAmount", "number"],
                  ["tier", "text"],
                  ["minSeats", "number"],
                  ["maxSeats", "number"],
                  ["accessDays", "number"],
                ] as const
              ).map(([name, type]) => (
                <div className="field" key={name}>
                  <label htmlFor={`${p.id}-${name}`}>{t(`catalog.newPrice.${name}`)}</label>
                  <input id={`${p.id}-${name}`} name={name} type={type} defaultValue={name === "currency" ? "eur" : undefined} />
                </div>
              ))}
              <div className="field">
                <label htmlFor={`${p.id}-interval`}>{t("catalog.newPrice.interval")}</label>
                <select id={`${p.id}-interval`} name="interval" defaultValue={p.kind === "subscription" ? "month" : ""}>
                  <option value="">{t("catalog.newPrice.noInterval")}</option>
                  <option value="month">{t("interval.month")}</option>
                  <option value="year">{t("interval.year")}</option>
                </select>
              </div>
              <SubmitButton pendingLabel={t("working")}>{t("catalog.newPrice.submit")}</SubmitButton>
            </Form>
          </details>
        </section>
      ))}
      <section className="card" aria-labelledby="new-product">
        <h2 id="new-product">{t("catalog.newProduct.title")}</h2>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="create_product" />
          <AdminField id="np-key" name="key" label={t("catalog.key")} required />
          <AdminField id="np-name" name="name" label={t("catalog.name")} required />
          <AdminField id="np-description" name="description" label={t("catalog.description")} />
          <div className="field">
            <label htmlFor="np-kind">{t("catalog.kind")}</label>
            <select id="np-kind" name="kind" defaultValue="subscription">
              <option value="subscription">{kind("subscription")}</option>
              <option value="one_time">{kind("one_time")}</option>
            </select>
          </div>
          <div className="field">
            <label>
              <input type="checkbox" name="seatBased" value="on" /> {t("catalog.newProduct.perSeat")}
            </label>
          </div>
          <div className="field">
            <label htmlFor="np-base">{t("catalog.newProduct.addOnOf")}</label>
            <select id="np-base" name="baseProductId" defaultValue="">
              <option value="">{t("catalog.newProduct.standalone")}</option>
              {products
                .filter((p) => p.kind === "subscription" && !p.baseProductId)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {t("catalog.newProduct.addOnOption", { product: p.name })}
                  </option>
                ))}
            </select>
          </div>
          <SubmitButton pendingLabel={t("working")}>{t("catalog.newProduct.submit")}</SubmitButton>
        </Form>
      </section>
    </>
  );
}
