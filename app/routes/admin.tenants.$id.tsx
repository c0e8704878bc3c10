import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GrantInput, grantEntitlement, revokeEntitlement, RevokeInput } from "../domain/entitlements/grants.server";
import {
  FeatureGrantInput,
  grantFeature,
  revokeFeatureGrant,
  RevokeFeatureGrantInput,
  tenantFeatures,
} from "../domain/entitlements/feature-grants.server";
import { listCatalog } from "../domain/catalog/products.server";
import { listFeatures } from "../domain/catalog/features.server";
import { getTenantDetail } from "../domain/tenants/admin.server";
import { retryStuckIntent } from "../domain/billing/replay.server";
import { proUploadStatus, setProUploads } from "../domain/software/publishing.server";
import { badRequest } from "../domain/errors";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { parseStoredEvent } from "../infra/stripe/mappers.server";
import { ActionMessage, ReasonField, useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";
import { formatDate } from "../i18n/format";

export const handle = { i18n: ["admin"] };

export async function loader({ context, params }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  const detail = await getTenantDetail({ db: context.db, tenantId: params.id ?? "", now: context.now() });
  if (!detail) throw new Response("No such tenant.", { status: 404 });
  const [proUploads, features, catalog, allFeatures] = await Promise.all([
    proUploadStatus({ db: context.db, tenantId: detail.tenant.id, now: context.now(), ceiling: context.config.UPLOAD_MAX_BYTES }),
    tenantFeatures({ db: context.db, tenantId: detail.tenant.id, now: context.now() }),
    listCatalog({ db: context.db }),
    listFeatures({ db: context.db }),
  ]);
  return {
    ...detail,
    proUploads,
    features,
    products: catalog.map((p) => ({ key: p.key, name: p.name, seatBased: p.seatBased })),
    allFeatures: allFeatures.features.map((f) => ({ id: f.id, key: f.key, kind: f.kind })),
  };
}

const Intent = z
  .object({ intent: z.enum(["grant", "revoke", "retry", "pro_uploads", "grant_feature", "revoke_feature"], { error: "Unknown action." }) })
  .passthrough();
const ProUploads = z.object({ enabled: z.enum(["true", "false"], { error: "enabled must be true or false." }) });

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  const tenantId = params.id ?? "";
  const now = context.now();
  const { t } = await context.i18n();
  return runAction(async () => {
    const form = await readForm(request);
    const { intent } = parseWith(Intent, form);
    if (intent === "grant") {
      await grantEntitlement({ db: context.db, adminId: user.id, tenantId, input: parseWith(GrantInput, form), now });
      return "Licence granted.";
    }
    if (intent === "revoke") {
      if (!form.entitlementId) throw badRequest("Which entitlement?");
      await revokeEntitlement({
        db: context.db,
        adminId: user.id,
        entitlementId: form.entitlementId,
        input: parseWith(RevokeInput, form),
        now,
      });
      return "Entitlement revoked.";
    }
    if (intent === "grant_feature") {
      const g = await grantFeature({ db: context.db, adminId: user.id, tenantId, input: parseWith(FeatureGrantInput, form), now });
      return t("admin:tenant.featureGranted", { feature: g.feature, until: formatDate(g.validUntil, await context.locale()) });
    }
    if (intent === "revoke_feature") {
      await revokeFeatureGrant({ db: context.db, adminId: user.id, tenantId, input: parseWith(RevokeFeatureGrantInput, form), now });
      return "Feature grant revoked.";
    }
    if (intent === "pro_uploads") {
      const enabled = parseWith(ProUploads, form).enabled === "true";
      const { changed } = await setProUploads({ db: context.db, actor: { type: "user", id: user.id }, tenantId, enabled, now });
      return t(`admin:tenant.proUploads.${changed ? "switched" : "already"}.${enabled ? "on" : "off"}`);
    }
    if (!form.intentId) throw badRequest("Which purchase?");
    const { outcome } = await retryStuckIntent({
      db: context.db,
      gateway: context.billing(),
      parse: parseStoredEvent,
      adminId: user.id,
      intentId: form.intentId,
      graceDays: context.config.PAST_DUE_GRACE_DAYS,
      appUrl: context.config.APP_URL,
      now,
    });
    return t("admin:retried", { outcome: t(`admin:status.${outcome}`, { defaultValue: outcome }) });
  }, "Done.");
}

export default function AdminTenant() {
  const d = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  const status = (s: string) => t(`status.${s}`, { defaultValue: s });
  const yesNo = (yes: boolean) => (yes ? t("yes") : t("no"));
  return (
    <>
      <section className="card">
        <h2>{d.tenant.name}</h2>
        <p className="muted">
          {d.tenant.id} · /{d.tenant.slug} · {t("tenant.joinCode", { code: d.tenant.joinCode })} ·{" "}
          {t("tenant.stripeCustomer", { id: d.tenant.stripeCustomerId ?? t("tenant.none") })} ·{" "}
          {t("tenant.compliance", { status: status(d.tenant.complianceStatus) })}
        </p>
        <p>
          <Link to={`/admin/audit?tenant=${d.tenant.id}`}>{t("tenant.auditTrail")}</Link>
        </p>
        <ActionMessage />
      </section>

      <section className="card" aria-labelledby="pro-uploads">
        <h2 id="pro-uploads">{t("tenant.proUploads.title")}</h2>
        <p>
          {d.proUploads.enabled ? t("tenant.proUploads.isOn") : t("tenant.proUploads.isOff")} ·{" "}
          {d.proUploads.pro ? t("tenant.proUploads.pro") : t("tenant.proUploads.notPro")}
        </p>
        <Form method="post" className="inline-form">
          <input type="hidden" name="intent" value="pro_uploads" />
          <input type="hidden" name="enabled" value={d.proUploads.enabled ? "false" : "true"} />
          <SubmitButton className="button button-small" pendingLabel={t("saving")}>
            {d.proUploads.enabled ? t("tenant.proUploads.switchOff") : t("tenant.proUploads.switchOn")}
          </SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="features">
        <h2 id="features">{t("tenant.features.title")}</h2>
        <p className="muted">{t("tenant.features.intro")}</p>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("tenant.features.feature")}</th>
              <th scope="col">{t("tenant.features.limit")}</th>
              <th scope="col">{t("tenant.features.from")}</th>
              <th scope="col">{t("tenant.features.live")}</th>
              <th scope="col">{t("revoke")}</th>
            </tr>
          </thead>
          <tbody>
            {d.features.map((feature, i) => (
              <tr key={`${feature.key}-${i}`} data-testid={`feature-${feature.key}`}>
                <td>
                  <code>{feature.key}</code> {feature.name}
                </td>
                <td>{feature.limit === null ? "-" : f.number(feature.limit)}</td>
                <td>
                  {feature.grantReason !== null
                    ? t("tenant.features.viaGrant", { reason: feature.grantReason })
                    : feature.price
                      ? t("tenant.features.viaPrice", { product: feature.product, price: feature.price })
                      : feature.product}{" "}
                  ({t(`source.${feature.source}`, { defaultValue: feature.source })})
                </td>
                <td>{yesNo(feature.live)}</td>
                <td>
                  {feature.grantId ? (
                    <Form method="post" className="inline-fields">
                      <input type="hidden" name="intent" value="revoke_feature" />
                      <input type="hidden" name="grantId" value={feature.grantId} />
                      <ReasonField id={`fr-${feature.grantId}`} />
                      <SubmitButton className="button button-small" pendingLabel={t("revoking")}>
                        {t("revoke")}
                      </SubmitButton>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.features.length === 0 ? <p>{t("tenant.features.none")}</p> : null}
        <h3>{t("tenant.features.grantTitle")}</h3>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="grant_feature" />
          <div className="field">
            <label htmlFor="gf-feature">{t("tenant.features.feature")}</label>
            <select id="gf-feature" name="featureId" required defaultValue="">
              <option value="" disabled>
                {t("choose")}
              </option>
              {d.allFeatures.map((feature) => (
                <option key={feature.id} value={feature.id}>
                  {feature.key} ({t(`kind.${feature.kind}`, { defaultValue: feature.kind })})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="gf-days">{t("tenant.features.days")}</label>
            <input id="gf-days" name="days" type="number" min={1} max={3650} defaultValue={30} required />
          </div>
          <div className="field">
            <label htmlFor="gf-limit">{t("limitField")}</label>
            <input id="gf-limit" name="limit" type="number" min={0} />
          </div>
          <ReasonField id="gf-reason" />
          <SubmitButton className="button" pendingLabel={t("tenant.features.giving")}>
            {t("tenant.features.give")}
          </SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="ents">
        <h2 id="ents">{t("tenant.entitlements.title")}</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("tenant.entitlements.product")}</th>
              <th scope="col">{t("status.label")}</th>
              <th scope="col">{t("tenant.entitlements.seats")}</th>
              <th scope="col">{t("tenant.entitlements.why")}</th>
              <th scope="col">{t("tenant.entitlements.valid")}</th>
              <th scope="col">{t("revoke")}</th>
            </tr>
          </thead>
          <tbody>
            {d.entitlements.map((e) => (
              <tr key={e.id} data-testid={`entitlement-${e.productKey}-${e.source}`}>
                <td>{e.productName}</td>
                <td>
                  {status(e.status)}
                  {e.live ? "" : ` (${t("tenant.entitlements.noAccess")})`}
                </td>
                <td>{e.quantitySeats > 0 ? `${f.number(e.seatsUsed)} / ${f.number(e.quantitySeats)}` : "-"}</td>
                <td>
                  {t(`source.${e.source}`, { defaultValue: e.source })} ({e.sourceRef}){e.grantReason ? `: ${e.grantReason}` : ""}
                </td>
                <td>
                  {f.dateTime(e.validFrom)} → {e.validUntil ? f.dateTime(e.validUntil) : t("noEnd")}
                </td>
                <td>
                  {e.status === "revoked" ? (
                    status("revoked")
                  ) : (
                    <Form method="post" className="inline-fields">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="entitlementId" value={e.id} />
                      <ReasonField id={`reason-${e.id}`} />
                      {e.source !== "admin_grant" ? (
                        <div className="field">
                          <label>
                            <input type="checkbox" name="confirmStripe" value="yes" /> {t("tenant.entitlements.confirmStripe")}
                          </label>
                        </div>
                      ) : null}
                      <SubmitButton className="button button-small" pendingLabel={t("revoking")}>
                        {t("revoke")}
                      </SubmitButton>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.entitlements.length === 0 ? <p>{t("tenant.entitlements.none")}</p> : null}
        <h3>{t("tenant.entitlements.grantTitle")}</h3>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="grant" />
          <div className="field">
            <label htmlFor="productKey">{t("tenant.entitlements.product")}</label>
            <select id="productKey" name="productKey" defaultValue={d.products[0]?.key}>
              {d.products.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="seats">{t("tenant.entitlements.seatsField")}</label>
            <input id="seats" name="seats" type="number" min={0} max={10000} defaultValue={0} />
          </div>
          <div className="field">
            <label htmlFor="validUntil">{t("tenant.entitlements.endsField")}</label>
            <input id="validUntil" name="validUntil" type="date" />
          </div>
          <ReasonField id="grant-reason" />
          <SubmitButton pendingLabel={t("granting")}>{t("tenant.entitlements.grant")}</SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="members">
        <h2 id="members">{t("tenant.members.title")}</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("tenant.members.email")}</th>
              <th scope="col">{t("tenant.members.role")}</th>
              <th scope="col">{t("status.label")}</th>
              <th scope="col">{t("tenant.members.seat")}</th>
            </tr>
          </thead>
          <tbody>
            {d.members.map((m) => (
              <tr key={m.userId}>
                <td>{m.email}</td>
                <td>{t(`role.${m.role}`, { defaultValue: m.role })}</td>
                <td>{status(m.status)}</td>
                <td>{yesNo(Number(m.seats) > 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="subs">
        <h2 id="subs">{t("tenant.subscriptions.title")}</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("tenant.subscriptions.id")}</th>
              <th scope="col">{t("status.label")}</th>
              <th scope="col">{t("tenant.subscriptions.quantity")}</th>
              <th scope="col">{t("tenant.subscriptions.periodEnd")}</th>
            </tr>
          </thead>
          <tbody>
            {d.subscriptions.map((s) => (
              <tr key={s.id}>
                <td>{s.stripeSubscriptionId}</td>
                <td>
                  {status(s.status)}
                  {s.cancelAtPeriodEnd ? ` (${t("tenant.subscriptions.cancels")})` : ""}
                </td>
                <td>{f.number(s.quantity)}</td>
                <td>{f.dateTime(s.currentPeriodEnd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="intents">
        <h2 id="intents">{t("tenant.purchases.title")}</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("tenant.purchases.purchase")}</th>
              <th scope="col">{t("tenant.purchases.state")}</th>
              <th scope="col">{t("tenant.purchases.buyer")}</th>
              <th scope="col">{t("tenant.purchases.created")}</th>
              <th scope="col">{t("tenant.purchases.action")}</th>
            </tr>
          </thead>
          <tbody>
            {d.intents.map((i) => (
              <tr key={i.id} className={i.stuck ? "row-alert" : undefined}>
                <td>
                  {i.productName} × {f.number(i.quantity)} <span className="muted">{i.id}</span>
                </td>
                <td>{i.stuck ? <strong>{t("tenant.purchases.stuck")}</strong> : status(i.state)}</td>
                <td>{i.buyer}</td>
                <td>{f.dateTime(i.createdAt)}</td>
                <td>
                  {i.stuck ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="retry" />
                      <input type="hidden" name="intentId" value={i.id} />
                      <SubmitButton className="button button-small" pendingLabel={t("retrying")}>
                        {t("retryProvisioning")}
                      </SubmitButton>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="events">
        <h2 id="events">{t("tenant.events")}</h2>
        <ul>
          {d.events.map((e) => (
            <li key={e.eventId}>
              {f.dateTime(e.receivedAt)} {e.type} <span className="badge">{status(e.status)}</span>{" "}
              <span className="muted">{e.eventId}</span>
              {e.error && e.status === "failed" ? <span className="form-error"> {e.error}</span> : null}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
