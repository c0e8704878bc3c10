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
import { ActionMessage, fmtDate, ReasonField } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

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
      return `${g.feature} granted until ${new Date(g.validUntil).toISOString().slice(0, 10)}.`;
    }
    if (intent === "revoke_feature") {
      await revokeFeatureGrant({ db: context.db, adminId: user.id, tenantId, input: parseWith(RevokeFeatureGrantInput, form), now });
      return "Feature grant revoked.";
    }
    if (intent === "pro_uploads") {
      const enabled = parseWith(ProUploads, form).enabled === "true";
      const { changed } = await setProUploads({ db: context.db, actor: { type: "user", id: user.id }, tenantId, enabled, now });
      return changed ? `Pro uploads switched ${enabled ? "on" : "off"}.` : `Pro uploads were already ${enabled ? "on" : "off"}.`;
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
    return `Provisioning retried: ${outcome}.`;
  }, "Done.");
}

export default function AdminTenant() {
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <section className="card">
        <h2>{d.tenant.name}</h2>
        <p className="muted">
          {d.tenant.id} · /{d.tenant.slug} · join code {d.tenant.joinCode} · Stripe customer {d.tenant.stripeCustomerId ?? "none"} ·
          compliance {d.tenant.complianceStatus}
        </p>
        <p>
          <Link to={`/admin/audit?tenant=${d.tenant.id}`}>Audit trail for this tenant</Link>
        </p>
        <ActionMessage />
      </section>

      <section className="card" aria-labelledby="pro-uploads">
        <h2 id="pro-uploads">Pro uploads</h2>
        <p>
          {d.proUploads.enabled ? "Switched on" : "Switched off"} ·{" "}
          {d.proUploads.pro
            ? "on the Pro plan (MAX or ULTRA tier)"
            : "not on the Pro plan: uploads stay refused until it buys MAX or ULTRA"}
        </p>
        <Form method="post" className="inline-form">
          <input type="hidden" name="intent" value="pro_uploads" />
          <input type="hidden" name="enabled" value={d.proUploads.enabled ? "false" : "true"} />
          <SubmitButton className="button button-small" pendingLabel="Saving...">
            {d.proUploads.enabled ? "Switch Pro uploads off" : "Switch Pro uploads on"}
          </SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="features">
        <h2 id="features">Features</h2>
        <p className="muted">What this organisation's entitlements and grants unlock, and from where. Only live ones give access.</p>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Limit</th>
              <th scope="col">From</th>
              <th scope="col">Live</th>
              <th scope="col">Revoke</th>
            </tr>
          </thead>
          <tbody>
            {d.features.map((f, i) => (
              <tr key={`${f.key}-${i}`} data-testid={`feature-${f.key}`}>
                <td>
                  <code>{f.key}</code> {f.name}
                </td>
                <td>{f.limit ?? "-"}</td>
                <td>
                  {f.via} ({f.source})
                </td>
                <td>{f.live ? "yes" : "no"}</td>
                <td>
                  {f.grantId ? (
                    <Form method="post" className="inline-fields">
                      <input type="hidden" name="intent" value="revoke_feature" />
                      <input type="hidden" name="grantId" value={f.grantId} />
                      <ReasonField id={`fr-${f.grantId}`} />
                      <SubmitButton className="button button-small" pendingLabel="Revoking...">
                        Revoke
                      </SubmitButton>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.features.length === 0 ? <p>No features.</p> : null}
        <h3>Grant one feature for a period</h3>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="grant_feature" />
          <div className="field">
            <label htmlFor="gf-feature">Feature</label>
            <select id="gf-feature" name="featureId" required defaultValue="">
              <option value="" disabled>
                Choose...
              </option>
              {d.allFeatures.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.key} ({f.kind})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="gf-days">Days</label>
            <input id="gf-days" name="days" type="number" min={1} max={3650} defaultValue={30} required />
          </div>
          <div className="field">
            <label htmlFor="gf-limit">Limit (limit features)</label>
            <input id="gf-limit" name="limit" type="number" min={0} />
          </div>
          <ReasonField id="gf-reason" />
          <SubmitButton className="button" pendingLabel="Giving...">
            Give feature
          </SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="ents">
        <h2 id="ents">Entitlements</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Status</th>
              <th scope="col">Seats</th>
              <th scope="col">Why</th>
              <th scope="col">Valid</th>
              <th scope="col">Revoke</th>
            </tr>
          </thead>
          <tbody>
            {d.entitlements.map((e) => (
              <tr key={e.id} data-testid={`entitlement-${e.productKey}-${e.source}`}>
                <td>{e.productName}</td>
                <td>
                  {e.status}
                  {e.live ? "" : " (no access)"}
                </td>
                <td>{e.quantitySeats > 0 ? `${e.seatsUsed} / ${e.quantitySeats}` : "-"}</td>
                <td>{e.why}</td>
                <td>
                  {fmtDate(e.validFrom)} → {e.validUntil ? fmtDate(e.validUntil) : "no end"}
                </td>
                <td>
                  {e.status === "revoked" ? (
                    "revoked"
                  ) : (
                    <Form method="post" className="inline-fields">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="entitlementId" value={e.id} />
                      <ReasonField id={`reason-${e.id}`} />
                      {e.source !== "admin_grant" ? (
                        <div className="field">
                          <label>
                            <input type="checkbox" name="confirmStripe" value="yes" /> Revoke although Stripe keeps billing
                          </label>
                        </div>
                      ) : null}
                      <SubmitButton className="button button-small" pendingLabel="Revoking...">
                        Revoke
                      </SubmitButton>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.entitlements.length === 0 ? <p>No entitlements.</p> : null}
        <h3>Grant a licence (no Stripe)</h3>
        <Form method="post" className="inline-fields">
          <input type="hidden" name="intent" value="grant" />
          <div className="field">
            <label htmlFor="productKey">Product</label>
            <select id="productKey" name="productKey" defaultValue={d.products[0]?.key}>
              {d.products.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="seats">Seats (per-seat plans)</label>
            <input id="seats" name="seats" type="number" min={0} max={10000} defaultValue={0} />
          </div>
          <div className="field">
            <label htmlFor="validUntil">Ends (optional)</label>
            <input id="validUntil" name="validUntil" type="date" />
          </div>
          <ReasonField id="grant-reason" />
          <SubmitButton pendingLabel="Granting...">Grant</SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="members">
        <h2 id="members">Members</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Seat</th>
            </tr>
          </thead>
          <tbody>
            {d.members.map((m) => (
              <tr key={m.userId}>
                <td>{m.email}</td>
                <td>{m.role}</td>
                <td>{m.status}</td>
                <td>{Number(m.seats) > 0 ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="subs">
        <h2 id="subs">Subscriptions</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Stripe subscription</th>
              <th scope="col">Status</th>
              <th scope="col">Quantity</th>
              <th scope="col">Period end</th>
            </tr>
          </thead>
          <tbody>
            {d.subscriptions.map((s) => (
              <tr key={s.id}>
                <td>{s.stripeSubscriptionId}</td>
                <td>
                  {s.status}
                  {s.cancelAtPeriodEnd ? " (cancels at period end)" : ""}
                </td>
                <td>{s.quantity}</td>
                <td>{fmtDate(s.currentPeriodEnd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="intents">
        <h2 id="intents">Purchases</h2>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Purchase</th>
              <th scope="col">State</th>
              <th scope="col">Buyer</th>
              <th scope="col">Created</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {d.intents.map((i) => (
              <tr key={i.id} className={i.stuck ? "row-alert" : undefined}>
                <td>
                  {i.productName} × {i.quantity} <span className="muted">{i.id}</span>
                </td>
                <td>{i.stuck ? <strong>paid, not provisioned</strong> : i.state}</td>
                <td>{i.buyer}</td>
                <td>{fmtDate(i.createdAt)}</td>
                <td>
                  {i.stuck ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="retry" />
                      <input type="hidden" name="intentId" value={i.id} />
                      <SubmitButton className="button button-small" pendingLabel="Retrying...">
                        Retry provisioning
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
        <h2 id="events">Stripe events</h2>
        <ul>
          {d.events.map((e) => (
            <li key={e.eventId}>
              {fmtDate(e.receivedAt)} {e.type} <span className="badge">{e.status}</span> <span className="muted">{e.eventId}</span>
              {e.error && e.status === "failed" ? <span className="form-error"> {e.error}</span> : null}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
