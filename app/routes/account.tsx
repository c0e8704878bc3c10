import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { getFormProps, useForm } from "@conform-to/react";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import {
  changePassword,
  pendingEmailChangeStatement,
  requestEmailChange,
  resendVerification,
  signOutEverywhere,
} from "../domain/accounts/accounts.server";
import { ChangeEmailInput, ChangePasswordInput } from "../domain/accounts/schemas";
import { requirePage, requireSession } from "../infra/auth/guards.server";
import { SESSION_USER } from "../infra/d1/page-read.server";
import { clearSessionCookie, isSecureAppUrl } from "../infra/auth/session.server";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { Field, type FormResult, FormMessage, NewPasswordFields } from "../components/field";
import { SubmitButton } from "../components/submit-button";

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Your account · Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Session, access and the pending change in one D1 round trip (ADR 022).
  const now = context.now();
  const { session, rows } = await requirePage(context, request, (d1, key) => [pendingEmailChangeStatement(d1, SESSION_USER, key, now)]);
  const pending = rows[0]![0] as { email: string } | undefined;
  return { email: session.user.email, emailVerified: session.user.emailVerified, pendingEmail: pending?.email ?? null };
}

const Intent = z.object({
  intent: z.enum(["resend-verification", "change-password", "change-email", "sign-out-everywhere"], { error: "Unknown action." }),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireSession(context, request);
  const { user } = session;
  // Which form the outcome belongs to, filled in once the body is read (a body that is not a form is a 400).
  const which = { intent: "" };
  return runAction(
    async (form) => {
      const raw = await readForm(request);
      const { intent } = parseWith(Intent, raw);
      which.intent = intent;
      const now = context.now();
      const appUrl = context.config.APP_URL;
      switch (intent) {
        case "resend-verification": {
          await context.limit("emailLink", `user:${user.id}`);
          const r = await resendVerification({ db: context.db, userId: user.id, appUrl, now });
          context.sendEmails(r.emailIds);
          return `We sent a new verification link to ${r.email}. It expires in 24 hours.`;
        }
        case "change-password": {
          await context.limit("loginAccount", user.email);
          const input = form.parse(raw, ChangePasswordInput, { hide: ["currentPassword", "password", "confirm"] });
          await changePassword({
            db: context.db,
            userId: user.id,
            sessionId: session.sessionId,
            currentPassword: input.currentPassword,
            password: input.password,
            now,
          });
          return "Your password was changed. Every other session was signed out.";
        }
        case "change-email": {
          await context.limit("loginAccount", user.email);
          await context.limit("emailLink", `user:${user.id}`);
          await context.limit("emailLink", `client:${context.clientAddress}`);
          const input = form.parse(raw, ChangeEmailInput, { hide: ["currentPassword"] });
          // However many accounts ask, an address gets at most the limit's emails a minute.
          await context.limit("emailLink", `address:${input.email}`);
          const r = await requestEmailChange({
            db: context.db,
            userId: user.id,
            currentPassword: input.currentPassword,
            email: input.email,
            appUrl,
            now,
          });
          context.sendEmails(r.emailIds);
          return `We sent a link to ${input.email}. Your address stays ${user.email} until you open it.`;
        }
        case "sign-out-everywhere": {
          await signOutEverywhere({ db: context.db, userId: user.id, now });
          throw redirect("/login?signedOut=everywhere", {
            headers: { "Set-Cookie": clearSessionCookie({ secure: isSecureAppUrl(context.config) }) },
          });
        }
      }
    },
    "",
    which,
  );
}

type Result = FormResult & { intent?: string };

export default function Account() {
  const { email, emailVerified, pendingEmail } = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const forIntent = (intent: string) => (result?.intent === intent ? result : undefined);
  const [emailForm, emailFields] = useForm<{ email: string; currentPassword: string }>({
    id: "change-email",
    lastResult: forIntent("change-email")?.submission,
  });
  const [passwordForm, passwordFields] = useForm<{ currentPassword: string; password: string; confirm: string }>({
    id: "change-password",
    lastResult: forIntent("change-password")?.submission,
  });
  return (
    <>
      <h1>Your account</h1>
      {result && !result.intent ? <FormMessage result={result} /> : null}
      <section className="card" aria-labelledby="email-heading">
        <h2 id="email-heading">Email address</h2>
        <p>
          {email} {emailVerified ? <span className="badge">Verified</span> : <span className="badge badge-warning">Not verified</span>}
        </p>
        <FormMessage result={forIntent("resend-verification")} />
        {emailVerified ? null : (
          <Form method="post">
            <p>
              Until you open the link we sent to this address, you cannot accept invitations, and an address listed as an administrator gets
              no admin rights.
            </p>
            <SubmitButton name="intent" value="resend-verification" className="button button-secondary" pendingLabel="Sending...">
              Send the verification link again
            </SubmitButton>
          </Form>
        )}
        <h3>Change email address</h3>
        <FormMessage result={forIntent("change-email")} />
        {pendingEmail && !forIntent("change-email") ? (
          <p className="notice">
            A change to {pendingEmail} is waiting: open the link we sent there while logged in here. Changing your password or signing out
            everywhere cancels it.
          </p>
        ) : null}
        <Form method="post" {...getFormProps(emailForm)}>
          <input type="hidden" name="intent" value="change-email" />
          <Field meta={emailFields.email} label="New email address" type="email" autoComplete="email" required />
          <Field meta={emailFields.currentPassword} label="Current password" type="password" autoComplete="current-password" required />
          <SubmitButton pendingLabel="Sending...">Send confirmation link</SubmitButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <FormMessage result={forIntent("change-password")} />
        <Form method="post" {...getFormProps(passwordForm)}>
          <input type="hidden" name="intent" value="change-password" />
          <Field meta={passwordFields.currentPassword} label="Current password" type="password" autoComplete="current-password" required />
          <NewPasswordFields password={passwordFields.password} confirm={passwordFields.confirm} />
          <SubmitButton pendingLabel="Saving...">Change password</SubmitButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        <p>Signed in on a shared or lost device? End every session, this one included.</p>
        <Form method="post">
          <SubmitButton name="intent" value="sign-out-everywhere" className="button button-secondary" pendingLabel="Working...">
            Sign out everywhere
          </SubmitButton>
        </Form>
      </section>
    </>
  );
}
