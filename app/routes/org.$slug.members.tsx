import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { NO_SEAT } from "../domain/seats/rules";
import { assignSeat, releaseSeat, seatOverview } from "../domain/seats/seats.server";
import {
  approveMember,
  changeMemberRole,
  inviteMember,
  rejectMember,
  removeMember,
  revokeInvitation,
} from "../domain/tenants/members.server";
import { requireSession, requireTenantManager } from "../infra/auth/guards.server";
import { runIntentAction } from "../infra/http/action-result.server";
import { FieldError, FormMessage, type FormResult } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { Trans, useTranslation } from "react-i18next";
import { translateMessage } from "../i18n/messages";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["orgs"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  return {
    viewerId: user.id,
    ...(await seatOverview({ db: context.db, tenant, now: context.now() })),
    title: await pageTitle(context, "orgs:members.title"),
  };
}

const UserId = z.string().trim().min(1).max(64);
const Intent = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("assign"), userId: UserId }),
  z.object({ intent: z.literal("release"), userId: UserId }),
  z.object({ intent: z.literal("approve"), userId: UserId }),
  z.object({ intent: z.literal("reject"), userId: UserId }),
  z.object({ intent: z.literal("remove"), userId: UserId }),
  z.object({ intent: z.literal("role"), userId: UserId, role: z.enum(["owner", "admin", "member"]) }),
  z.object({
    intent: z.literal("invite"),
    email: z.string().trim().toLowerCase().max(254).pipe(z.email("Enter a valid email address.")),
    role: z.enum(["admin", "member"]).default("member"),
  }),
  z.object({ intent: z.literal("revoke"), invitationId: z.string().trim().min(1).max(64) }),
]);

// Every intent re-checks that the user is an owner or admin of this tenant (inside the domain call).
export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  const slug = params.slug ?? "";
  return runIntentAction(
    request,
    Intent,
    async (input) => {
      const base = { db: context.db, allocators: context.seats, actorUserId: user.id, slug };
      const now = context.now();
      switch (input.intent) {
        case "assign":
          await assignSeat({ ...base, userId: input.userId });
          break;
        case "release":
          await releaseSeat({ ...base, userId: input.userId });
          break;
        case "approve":
          await approveMember({ ...base, userId: input.userId });
          break;
        case "reject":
          await rejectMember({ ...base, userId: input.userId });
          break;
        case "remove":
          await removeMember({ ...base, userId: input.userId });
          break;
        case "role":
          await changeMemberRole({ ...base, userId: input.userId, role: input.role });
          break;
        case "invite": {
          const r = await inviteMember({
            db: context.db,
            actorUserId: user.id,
            actorEmail: user.email,
            slug,
            email: input.email,
            role: input.role,
            appUrl: context.config.APP_URL,
            locale: await context.locale(),
            now,
          });
          context.sendEmails(r.emailIds);
          break;
        }
        case "revoke":
          await revokeInvitation({ db: context.db, actorUserId: user.id, slug, invitationId: input.invitationId, now });
          break;
      }
      // Whoever stepped down or left can no longer see this page: back to their dashboard.
      const leftManagement =
        (input.intent === "remove" && input.userId === user.id) ||
        (input.intent === "role" && input.userId === user.id && input.role === "member");
      if (leftManagement) return redirect("/dashboard");
      const { t } = await context.i18n();
      return t(`orgs:members.done.${input.intent}`);
    },
    "Done.",
  );
}

type ActionResult = FormResult & { intent?: string };

function RowAction({ intent, userId, label, secondary }: { intent: string; userId: string; label: string; secondary?: boolean }) {
  const { t } = useTranslation("orgs");
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="userId" value={userId} />
      <SubmitButton
        className={`button button-small${secondary ? " button-secondary" : ""}`}
        pendingLabel={t(`members.pending.${intent}`, { defaultValue: t("members.saving") })}
      >
        {label}
      </SubmitButton>
    </Form>
  );
}

export default function Members() {
  const { t } = useTranslation("orgs");
  const { tenant, seats, members, pending, invitations, viewerId } = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const [inviteForm, invite] = useForm<{ email: string; role: string }>({
    id: "invite",
    defaultValue: { role: "member" },
    lastResult: result?.intent === "invite" ? result.submission : undefined,
  });
  const over = seats.compliance === "over_limit";
  return (
    <>
      <h1>{t("members.heading", { organisation: tenant.name })}</h1>
      <p className="actions">
        <Link to="/dashboard">{t("common:nav.dashboard")}</Link> · <Link to={`/org/${tenant.slug}/billing`}>{t("members.billing")}</Link>
      </p>
      <FormMessage result={result} />
      <section className="card" aria-labelledby="seats-title">
        <h2 id="seats-title">{t("members.seats")}</h2>
        <p data-testid="seat-count">
          <Trans
            t={t}
            i18nKey={seats.entitlementId ? "members.seatCount" : "members.seatCountNoPlan"}
            count={seats.licensed}
            values={{ used: seats.used, licensed: seats.licensed, free: t("members.free", { count: seats.free }) }}
            components={{ strong: <strong /> }}
          />
        </p>
        {over ? (
          <p className="banner-warning" role="alert" data-testid="compliance">
            {t("members.overLicence", {
              count: seats.licensed,
              used: seats.used,
              licensed: seats.licensed,
              excess: seats.used - seats.licensed,
            })}
          </p>
        ) : null}
        <p className="muted">
          <Trans
            t={t}
            i18nKey="members.joinCode"
            values={{ code: tenant.joinCode }}
            components={{ code: <strong data-testid="join-code" />, join: <Link to="/join" /> }}
          />
        </p>
      </section>

      {pending.length > 0 ? (
        <section className="card" aria-labelledby="pending-title">
          <h2 id="pending-title">{t("members.requests")}</h2>
          <div className="table-scroll" role="region" aria-labelledby="pending-title" tabIndex={0}>
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t("members.email")}</th>
                  <th scope="col">{t("members.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {pending.map((p) => (
                  <tr key={p.userId} data-testid={`pending-${p.email}`}>
                    <td>{p.email}</td>
                    <td>
                      <RowAction intent="approve" userId={p.userId} label={t("members.approve")} />
                      <RowAction intent="reject" userId={p.userId} label={t("members.reject")} secondary />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">{t("members.members")}</h2>
        <div className="table-scroll" role="region" aria-labelledby="members-title" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t("members.email")}</th>
                <th scope="col">{t("members.role")}</th>
                <th scope="col">{t("members.seat")}</th>
                <th scope="col">{t("members.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId} data-testid={`member-${m.email}`}>
                  <td>
                    {m.email}
                    {m.userId === viewerId ? <span className="muted"> {t("members.you")}</span> : null}
                  </td>
                  <td>
                    <Form method="post" className="inline-fields">
                      <input type="hidden" name="intent" value="role" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <label className="sr-only" htmlFor={`role-${m.userId}`}>
                        {t("members.roleOf", { email: m.email })}
                      </label>
                      <select id={`role-${m.userId}`} name="role" defaultValue={m.role}>
                        <option value="owner">{t("members.roles.owner")}</option>
                        <option value="admin">{t("members.roles.admin")}</option>
                        <option value="member">{t("members.roles.member")}</option>
                      </select>
                      <SubmitButton className="button button-small button-secondary" pendingLabel={t("members.saving")}>
                        {t("members.saveRole")}
                      </SubmitButton>
                    </Form>
                  </td>
                  <td>
                    {m.hasSeat ? (
                      <span className="badge">{t("members.seat")}</span>
                    ) : seats.free === 0 ? (
                      <span data-testid="no-seat">
                        {translateMessage(t, NO_SEAT)} <Link to={`/org/${tenant.slug}/billing`}>{t("members.buySeats")}</Link>
                      </span>
                    ) : (
                      <span className="muted">{t("members.noSeat")}</span>
                    )}
                  </td>
                  <td>
                    {m.hasSeat ? (
                      // Only owners release an owner's seat (the allocator refuses it anyway).
                      m.role !== "owner" || tenant.role === "owner" ? (
                        <RowAction intent="release" userId={m.userId} label={t("members.release")} secondary />
                      ) : null
                    ) : (
                      <RowAction intent="assign" userId={m.userId} label={t("members.assign")} />
                    )}
                    <RowAction intent="remove" userId={m.userId} label={t("members.remove")} secondary />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">{t("members.inviteHeading")}</h2>
        <Form method="post" className="inline-fields" {...getFormProps(inviteForm)}>
          <input type="hidden" name="intent" value="invite" />
          <div className="field">
            <label htmlFor={invite.email.id}>{t("members.email")}</label>
            <input {...getInputProps(invite.email, { type: "email" })} key={invite.email.key} required maxLength={254} />
          </div>
          <div className="field">
            <label htmlFor={invite.role.id}>{t("members.role")}</label>
            <select {...getSelectProps(invite.role)} key={invite.role.key}>
              <option value="member">{t("members.roles.member")}</option>
              <option value="admin">{t("members.roles.admin")}</option>
            </select>
          </div>
          <SubmitButton pendingLabel={t("members.inviting")}>{t("members.invite")}</SubmitButton>
        </Form>
        <FieldError meta={invite.email} />
        <FieldError meta={invite.role} />
        <p className="muted">{t("members.inviteHint")}</p>
        {invitations.length > 0 ? (
          <div className="table-scroll" role="region" aria-labelledby="invite-title" tabIndex={0}>
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t("members.invited")}</th>
                  <th scope="col">{t("members.role")}</th>
                  <th scope="col">{t("members.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {invitations.map((i) => (
                  <tr key={i.id} data-testid={`invitation-${i.email}`}>
                    <td>{i.email}</td>
                    <td>{t(`members.roles.${i.role}`, { defaultValue: i.role })}</td>
                    <td>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="invitationId" value={i.id} />
                        <SubmitButton className="button button-small button-secondary" pendingLabel={t("members.revoking")}>
                          {t("members.revoke")}
                        </SubmitButton>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
