import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData } from "@remix-run/react";
import { requestPasswordReset } from "../domain/accounts/email-links.server";
import { EmailOnlyInput } from "../domain/accounts/schemas";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { readForm } from "../infra/http/responses.server";
import { Field, type FormResult, FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";
import { pageTitle } from "../infra/i18n/locale.server";

export const headers = actionRetryAfter;

export const handle = { i18n: ["auth"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  return { title: await pageTitle(context, "auth:forgot.title") };
}

// The answer is the same whether or not the address has an account.
export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async (form) => {
    await context.limit("emailLink", `client:${context.clientAddress}`);
    const { email } = form.parse(await readForm(request), EmailOnlyInput);
    await context.limit("emailLink", `address:${email}`);
    const locale = await context.locale();
    const { emailIds } = await requestPasswordReset({ db: context.db, email, appUrl: context.config.APP_URL, locale, now: context.now() });
    context.sendEmails(emailIds);
    const { t } = await context.i18n();
    return t("auth:forgot.sent", { email });
  }, "");
}

export default function ForgotPassword() {
  const { t } = useTranslation("auth");
  const result = useActionData<FormResult>();
  const [form, fields] = useForm<{ email: string }>({ id: "forgot-password", lastResult: result?.submission });
  return (
    <section className="card narrow">
      <h1>{t("forgot.heading")}</h1>
      <FormMessage result={result} />
      {result?.ok ? null : (
        <Form method="post" {...getFormProps(form)}>
          <p>{t("forgot.intro")}</p>
          <Field meta={fields.email} label={t("common:field.email")} type="email" autoComplete="email" required />
          <SubmitButton pendingLabel={t("sending")}>{t("forgot.submit")}</SubmitButton>
        </Form>
      )}
      <p className="muted">
        <Link to="/login">{t("forgot.back")}</Link>
      </p>
    </section>
  );
}
