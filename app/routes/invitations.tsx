import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { NO_SEAT } from "../domain/seats/rules";
import { invitationsFor, respondToInvitation } from "../domain/tenants/members.server";
import { requireSession } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { Trans, useTranslation } from "react-i18next";
import { translateMessage } from "../i18n/messages";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["orgs"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

// Invitations addressed to the signed-in user's email, and nobody else's.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request);
  return {
    emailVerified: user.emailVerified,
    invitations: await invitationsFor({ db: context.db, email: user.email, emailVerified: user.emailVerified }),
    title: await pageTitle(context, "orgs:invitations.title"),
  };
}

const Respond = z.object({ invitationId: z.string().trim().min(1).max(64), intent: z.enum(["accept", "decline"]) });

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  return runAction(async () => {
    const input = parseWith(Respond, await readForm(request));
    const r = await respondToInvitation({
      db: context.db,
      allocators: context.seats,
      user,
      invitationId: input.invitationId,
      accept: input.intent === "accept",
      now: context.now(),
    });
    const { t } = await context.i18n();
    const organisation = r.tenantName;
    if (!r.joined) return t("orgs:invitations.declined", { organisation });
    if (r.seat?.assigned) return t("orgs:invitations.joinedWithSeat", { organisation });
    if (r.seat) {
      const [why, noSeat] = [translateMessage(t, r.seat.why), translateMessage(t, NO_SEAT)];
      return t("orgs:invitations.joinedWithoutSeat", { organisation, why, noSeat });
    }
    return t("orgs:invitations.joined", { organisation });
  }, "Done.");
}

export default function Invitations() {
  const { t } = useTranslation("orgs");
  const { invitations, emailVerified } = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: boolean; message: string }>();
  return (
    <section className="card">
      <h1>{t("invitations.heading")}</h1>
      <FormMessage result={result}>
        {result?.ok ? (
          <>
            {" "}
            <Link to="/dashboard">{t("invitations.dashboard")}</Link>
          </>
        ) : null}
      </FormMessage>
      {!emailVerified ? (
        <p className="notice">
          <Trans t={t} i18nKey="invitations.verifyFirst" components={{ resend: <Link to="/account" /> }} />
        </p>
      ) : invitations.length === 0 ? (
        <p>{t("invitations.none")}</p>
      ) : null}
      <ul>
        {invitations.map((i) => (
          <li key={i.id} data-testid={`invitation-${i.tenantName}`}>
            <Trans
              t={t}
              i18nKey={i.role === "admin" ? "invitations.invitedAdmin" : "invitations.invitedMember"}
              values={{ organisation: i.tenantName }}
              components={{ strong: <strong /> }}
            />
            <Form method="post" className="inline-form">
              <input type="hidden" name="invitationId" value={i.id} />
              <SubmitButton name="intent" value="accept" className="button button-small" pendingLabel={t("invitations.accepting")}>
                {t("invitations.accept")}
              </SubmitButton>
              <SubmitButton
                name="intent"
                value="decline"
                className="button button-small button-secondary"
                pendingLabel={t("invitations.declining")}
              >
                {t("invitations.decline")}
              </SubmitButton>
            </Form>
          </li>
        ))}
      </ul>
    </section>
  );
}
