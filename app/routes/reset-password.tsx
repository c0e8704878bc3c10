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

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Choose a new password · Gatehouse" }];

// Opening the link changes nothing: the token is used only when the new password is set.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const parsed = TokenSchema.safeParse(token);
  if (!parsed.success) return { token: null };
  try {
    await checkResetLink({ db: context.db, token: parsed.data, now: context.now() });
    return { token: parsed.data };
  } catch (e) {
    if (isAppError(e)) return { token: null };
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
        <h1>This link no longer works</h1>
        <p>Reset links work once and expire after an hour.</p>
        <Link to="/forgot-password" className="button">
          Send a new link
        </Link>
      </section>
    );
  }
  return (
    <section className="card narrow">
      <h1>Choose a new password</h1>
      <FormMessage result={linkError ? { ok: false, message: linkError } : null} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="token" value={token} />
        <NewPasswordFields password={fields.password} confirm={fields.confirm} />
        <SubmitButton pendingLabel="Saving...">Set new password and sign in</SubmitButton>
      </Form>
      <p className="muted">Setting a new password signs you out on every other device.</p>
    </section>
  );
}
