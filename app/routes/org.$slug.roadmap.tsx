import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { productGranting } from "../domain/catalog/features.server";
import { type Access, holdsFeatureIn, switchedOffMessage, tenantHoldsLive } from "../domain/entitlements/access";
import { forbidden, withValues } from "../domain/errors";
import {
  addRoadmapItem,
  deleteRoadmapItem,
  RoadmapItemInput,
  roadmapFromRows,
  roadmapStatement,
  setRoadmapPublished,
  updateRoadmapItem,
} from "../domain/roadmaps/roadmaps.server";
import { type ManagedTenant, memberTenant, memberTenantStatement } from "../domain/seats/seats.server";
import { requireAccess, requirePage, requireSession } from "../infra/auth/guards.server";
import { SESSION_USER } from "../infra/d1/page-read.server";
import { runIntentAction } from "../infra/http/action-result.server";
import { FieldError, type FormResult } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { Trans, useTranslation } from "react-i18next";
import { translateMessage } from "../i18n/messages";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["orgs"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

async function memberContext(request: Request, context: LoaderFunctionArgs["context"], slug: string | undefined) {
  const { user } = await requireSession(context, request);
  const member = slug ? await memberTenant({ db: context.db, userId: user.id, slug }) : null;
  return { user, ...(await memberView(member, await requireAccess(context, request), context)) };
}

// What a member of the tenant may do on its roadmap; not a member (or no such slug): 404.
async function memberView(member: ManagedTenant | null | undefined, access: Access, context: LoaderFunctionArgs["context"]) {
  if (!member) throw new Response("No such organisation.", { status: 404 });
  // Only what the page needs: the join code is for owners and admins.
  const tenant = { id: member.id, name: member.name, slug: member.slug, role: member.role };
  // Publishing is a feature (ADR 018) of the organisation level: an owner or admin, through a live
  // entitlement that grants it, no seat needed; the kill switch closes it too.
  const tenantLive = tenantHoldsLive(access, tenant.id, PUBLISH);
  const publish = access.featuresByTenant[tenant.id]?.[PUBLISH] ?? null;
  const canPublish = holdsFeatureIn(access, tenant.id, PUBLISH);
  // What to offer when the tenant lacks it: the product that grants it (one more statement, only then).
  const via = publish?.via && typeof publish.via === "object" ? publish.via.productKey : null;
  const upgrade =
    canPublish || tenantLive
      ? null
      : await productGranting({ db: context.db, feature: PUBLISH, preferKey: via, locale: await context.locale() });
  return {
    tenant,
    canPublish,
    publish,
    switchedOff: access.switchedOff,
    tenantLive,
    upgrade: upgrade && { key: upgrade.key, name: upgrade.name },
  };
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  // Session, access, membership and the roadmap in one D1 round trip (ADR 022).
  const slug = params.slug ?? "";
  const { access, rows } = await requirePage(context, request, (d1, key) => [
    memberTenantStatement(d1, SESSION_USER, key, slug),
    roadmapStatement(d1, SESSION_USER, key, slug),
  ]);
  const { tenant, canPublish, tenantLive, switchedOff, upgrade } = await memberView(
    rows[0]![0] as ManagedTenant | undefined,
    access,
    context,
  );
  const { published, items } = roadmapFromRows(rows[1]!);
  return {
    tenant,
    canPublish,
    tenantLive,
    switchedOff,
    upgrade,
    published,
    items,
    title: await pageTitle(context, "orgs:roadmap.title"),
  };
}

const Intent = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("add") }).extend(RoadmapItemInput.shape),
  z.object({ intent: z.literal("update"), itemId: z.string().min(1).max(64) }).extend(RoadmapItemInput.shape),
  z.object({ intent: z.literal("delete"), itemId: z.string().min(1).max(64) }),
  z.object({ intent: z.literal("publish"), published: z.enum(["true", "false"]) }),
]);

const PUBLISH = "roadmap.publish";
// The refusal names the plan that would grant publishing; its template and values let the page say it in its language.
const notLive = (product: { name: string } | null) =>
  product
    ? forbidden(withValues("Publishing a roadmap needs a live {{plan}} plan.", { plan: product.name }))
    : forbidden("Publishing a roadmap needs a live paid plan.");

// Members edit; making the roadmap live is an organisation-level action (an owner or admin, the
// tenant's live entitlement granting roadmap.publish, no seat needed), checked here whatever the form says.
export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user, tenant, canPublish, publish, upgrade } = await memberContext(request, context, params.slug);
  return runIntentAction(
    request,
    Intent,
    async (input) => {
      const now = context.now();
      switch (input.intent) {
        case "add":
          await addRoadmapItem({ db: context.db, tenant, input, now });
          break;
        case "update":
          await updateRoadmapItem({ db: context.db, tenant, itemId: input.itemId, input, now });
          break;
        case "delete":
          await deleteRoadmapItem({ db: context.db, tenant, itemId: input.itemId, now });
          break;
        case "publish":
          if (input.published === "true" && !canPublish) {
            const reason = publish?.reason ?? "no_entitlement";
            throw reason === "switched_off"
              ? forbidden(switchedOffMessage("Publishing"))
              : reason === "needs_manager"
                ? forbidden("Only owners and admins publish the roadmap.")
                : notLive(upgrade);
          }
          await setRoadmapPublished({ db: context.db, tenant, userId: user.id, published: input.published === "true", now });
          break;
      }
    },
    "Roadmap saved.",
  );
}

const COLUMNS = ["now", "next", "later"] as const;

export default function RoadmapEditor() {
  const { t } = useTranslation("orgs");
  const { tenant, canPublish, tenantLive, switchedOff, upgrade, published, items } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult & { intent?: string }>();
  const [addForm, add] = useForm<{ title: string; description: string; column: string }>({
    id: "add-item",
    defaultValue: { column: "now" },
    lastResult: result?.intent === "add" ? result.submission : undefined,
  });
  const error = result && !result.ok ? result : null;
  const stopped = published && !tenantLive;
  const values = { organisation: tenant.name, plan: upgrade?.name };
  const explanation = switchedOff
    ? t("roadmap.why.switchedOff")
    : !tenantLive
      ? stopped
        ? t(upgrade ? "roadmap.why.stopped" : "roadmap.why.stoppedPaid", values)
        : upgrade
          ? t("roadmap.why.upgrade", values)
          : t("roadmap.why.notInPlan", values)
      : t("roadmap.why.managersOnly", values);
  const live = published && tenantLive;
  return (
    <>
      <h1>{t("roadmap.heading", { organisation: tenant.name })}</h1>
      <section className="card" aria-labelledby="publish-title">
        <h2 id="publish-title">{t("roadmap.publicPage")}</h2>
        {live ? (
          <p>
            <Trans
              t={t}
              i18nKey="roadmap.liveAt"
              values={{ path: `/r/${tenant.slug}` }}
              components={{ public: <Link to={`/r/${tenant.slug}`} /> }}
            />
          </p>
        ) : null}
        <Form method="post">
          <input type="hidden" name="intent" value="publish" />
          <input type="hidden" name="published" value={published ? "false" : "true"} />
          <SubmitButton
            pendingLabel={t("roadmap.publishSaving")}
            role="switch"
            aria-checked={live}
            aria-disabled={canPublish ? undefined : true}
            aria-describedby={canPublish ? undefined : "publish-explanation"}
            className={canPublish ? "button" : "button button-disabled"}
            onClick={(e) => {
              if (!canPublish) e.preventDefault();
            }}
          >
            {t(live ? "roadmap.publishOn" : "roadmap.publishOff")}
          </SubmitButton>
        </Form>
        {canPublish ? null : (
          <div className="notice">
            <p id="publish-explanation">{explanation}</p>
            {tenantLive || !upgrade ? null : (
              <Form method="post" action="/pricing">
                <input type="hidden" name="product" value={upgrade.key} />
                <SubmitButton className="button button-secondary" pendingLabel={t("roadmap.working")}>
                  {t("roadmap.upgrade", { plan: upgrade.name })}
                </SubmitButton>
              </Form>
            )}
          </div>
        )}
        {error?.message ? (
          <p className="form-error" role="alert">
            {translateMessage(t, error.message, error.i18n)}
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="items-title">
        <h2 id="items-title">{t("roadmap.items")}</h2>
        <div className="pricing-grid">
          {COLUMNS.map((c) => (
            <div key={c}>
              <h3>{t(`publicRoadmap.${c}`)}</h3>
              <ul>
                {items
                  .filter((i) => i.column === c)
                  .map((i) => (
                    <li key={i.id}>
                      <strong>{i.title}</strong> {i.description ? <span className="muted">{i.description}</span> : null}
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="delete" />
                        <input type="hidden" name="itemId" value={i.id} />
                        <button type="submit" className="link-button" aria-label={t("roadmap.removeItem", { title: i.title })}>
                          {t("roadmap.remove")}
                        </button>
                      </Form>
                    </li>
                  ))}
              </ul>
            </div>
          ))}
        </div>
        <Form method="post" {...getFormProps(addForm)}>
          <input type="hidden" name="intent" value="add" />
          <div className="field">
            <label htmlFor={add.title.id}>{t("roadmap.itemTitle")}</label>
            <input {...getInputProps(add.title, { type: "text" })} key={add.title.key} required maxLength={120} />
            <FieldError meta={add.title} />
          </div>
          <div className="field">
            <label htmlFor={add.description.id}>{t("roadmap.description")}</label>
            <input {...getInputProps(add.description, { type: "text" })} key={add.description.key} maxLength={2000} />
            <FieldError meta={add.description} />
          </div>
          <div className="field">
            <label htmlFor={add.column.id}>{t("roadmap.column")}</label>
            <select {...getSelectProps(add.column)} key={add.column.key}>
              {COLUMNS.map((c) => (
                <option key={c} value={c}>
                  {t(`publicRoadmap.${c}`)}
                </option>
              ))}
            </select>
            <FieldError meta={add.column} />
          </div>
          <SubmitButton pendingLabel={t("roadmap.adding")}>{t("roadmap.add")}</SubmitButton>
        </Form>
      </section>
    </>
  );
}
