import { type ActionFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData } from "@remix-run/react";
import { requestPasswordReset } from "../domain/accounts/email-links.server";
import { EmailOnlyInput } from "../domain/accounts/schemas";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { readForm } from "../infra/http/responses.server";
import { Field, type FormResult, FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Forgot password · Gatehouse" }];

// The answer is the same whether or not the address has an account.
export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async (form) => {
    await context.limit("emailLink", `client:${context.clientAddress}`);
    const { email } = form.parse(await readForm(request), EmailOnlyInput);
    await context.limit("emailLink", `address:${email}`);
    const { emailIds } = await requestPasswordReset({ db: context.db, email, appUrl: context.config.APP_URL, now: context.now() });
    context.sendEmails(emailIds);
    return `If an account uses ${email}, we sent it a link to choose a new password. The link expires in one hour.`;
  }, "");
}

export default function ForgotPassword() {
  const result = useActionData<FormResult>();
  const [form, fields] = useForm<{ email: string }>({ id: "forgot-password", lastResult: result?.submission });
  return (
    <section className="card narrow">
      <h1>Forgot your password?</h1>
      <FormMessage result={result} />
      {result?.ok ? null : (
        <Form method="post" {...getFormProps(form)}>
          <p>Enter the email address of your account and we will send you a link to choose a new password.</p>
          <Field meta={fields.email} label="Email" type="email" autoComplete="email" required />
          <SubmitButton pendingLabel="Sending...">Send reset link</SubmitButton>
        </Form>
      )}
      <p className="muted">
        <Link to="/login">Back to log in</Link>
      </p>
    </section>
  );
}
