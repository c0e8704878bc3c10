import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { redeemEmailLink } from "../domain/accounts/email-links.server";
import { TokenSchema } from "../domain/accounts/schemas";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { type FormResult, FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";
import { pageTitle } from "../infra/i18n/locale.server";

export const headers = actionRetryAfter;

export const handle = { i18n: ["auth"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

// Opening the link only shows a button: mail scanners that fetch every link must not use it up.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  return { token: TokenSchema.safeParse(token).success ? token : null, title: await pageTitle(context, "auth:verify.title") };
}

export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async () => {
    const { token } = parseWith(z.object({ token: TokenSchema }), await readForm(request));
    const r = await redeemEmailLink({
      db: context.db,
      token,
      sessionUserId: (await context.session())?.user.id ?? null,
      adminEmails: context.config.adminEmails,
      appUrl: context.config.APP_URL,
      locale: await context.locale(),
      now: context.now(),
    });
    const { t } = await context.i18n();
    const what = r.kind === "email_changed" ? t("auth:verify.changed", { email: r.email }) : t("auth:verify.verified", { email: r.email });
    return r.promoted ? `${what} ${t("auth:verify.promoted")}` : what;
  }, "");
}

export default function VerifyEmail() {
  const { t } = useTranslation("auth");
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  return (
    <section className="card narrow">
      <h1>{result?.ok ? t("verify.confirmedHeading") : t("verify.heading")}</h1>
      <FormMessage result={result} />
      {result?.ok ? (
        <p>
          <Link to="/dashboard" className="button">
            {t("verify.continue")}
          </Link>
        </p>
      ) : token ? (
        <Form method="post">
          <input type="hidden" name="token" value={token} />
          <SubmitButton pendingLabel={t("verify.confirming")}>{t("verify.submit")}</SubmitButton>
        </Form>
      ) : (
        <p>{t("verify.incomplete")}</p>
      )}
      {result && !result.ok ? (
        <p>
          <Link to="/account">{t("verify.askNew")}</Link>
        </p>
      ) : null}
    </section>
  );
}
