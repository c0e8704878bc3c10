import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { checkResetLink, resetPassword } from "../domain/accounts/email-links.server";
import { ResetPasswordInput, TokenSchema } from "../domain/accounts/schemas";
import { isAppError } from "../domain/errors";
import { startSession } from "../infra/auth/start-session.server";
import { readForm } from "../infra/http/responses.server";
import { type FormResult, FormMessage, NewPasswordFields } from "../components/field";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";
import { pageTitle } from "../infra/i18n/locale.server";

export const headers = actionRetryAfter;

export const handle = { i18n: ["auth"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

// Opening the link changes nothing: the token is used only when the new password is set.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const title = await pageTitle(context, "auth:reset.title");
  const parsed = TokenSchema.safeParse(token);
  if (!parsed.success) return { token: null, title };
  try {
    await checkResetLink({ db: context.db, token: parsed.data, now: context.now() });
    return { token: parsed.data, title };
  } catch (e) {
    if (isAppError(e)) return { token: null, title };
    throw e;
  }
}

// The new password is set, every session of the account ends, and only then is the user signed in.
export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async (form) => {
    await context.limit("loginClient", context.clientAddress);
    const input = form.parse(await readForm(request), ResetPasswordInput, { hide: ["password", "confirm"] });
    const user = await resetPassword({
      db: context.db,
      token: input.token,
      password: input.password,
      adminEmails: context.config.adminEmails,
      now: context.now(),
    });
    return await startSession({ context, request, user, redirectTo: "/dashboard?reset=1", json: false });
  }, "Password changed.");
}

export default function ResetPassword() {
  const { t } = useTranslation("auth");
  const { token } = useLoaderData<typeof loader>();
  const errors = useActionData<FormResult>();
  const [form, fields] = useForm<{ token: string; password: string; confirm: string }>({
    id: "reset-password",
    lastResult: errors?.submission,
  });
  const linkError = fields.token.errors?.[0] ?? (errors && !fields.password.errors && !fields.confirm.errors ? errors.message : null);
  if (!token) {
    return (
      <section className="card narrow">
        <h1>{t("reset.expiredHeading")}</h1>
        <p>{t("reset.expiredBody")}</p>
        <Link to="/forgot-password" className="button">
          {t("reset.newLink")}
        </Link>
      </section>
    );
  }
  return (
    <section className="card narrow">
      <h1>{t("reset.heading")}</h1>
      <FormMessage result={linkError ? { ok: false, message: linkError } : null} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="token" value={token} />
        <NewPasswordFields password={fields.password} confirm={fields.confirm} />
        <SubmitButton pendingLabel={t("saving")}>{t("reset.submit")}</SubmitButton>
      </Form>
      <p className="muted">{t("reset.note")}</p>
    </section>
  );
}
