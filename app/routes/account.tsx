import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { getFormProps, useForm } from "@conform-to/react";
import { Form, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useLocale } from "remix-i18next/react";
import { z } from "zod";
import {
  changePassword,
  pendingEmailChangeStatement,
  requestEmailChange,
  resendVerification,
  saveLocale,
  signOutEverywhere,
} from "../domain/accounts/accounts.server";
import { isLocale, LOCALE_NAMES, LOCALES, LocaleSchema } from "../i18n/config";
import { langCookie, pageTitle } from "../infra/i18n/locale.server";
import { ChangeEmailInput, ChangePasswordInput } from "../domain/accounts/schemas";
import { requirePage, requireSession } from "../infra/auth/guards.server";
import { SESSION_USER } from "../infra/d1/page-read.server";
import { clearSessionCookie, isSecureAppUrl } from "../infra/auth/session.server";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { Field, FieldError, type FormResult, FormMessage, NewPasswordFields } from "../components/field";
import { SubmitButton } from "../components/submit-button";

export const headers = actionRetryAfter;

export const handle = { i18n: ["account"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Session, access and the pending change in one D1 round trip (ADR 022).
  const now = context.now();
  const { session, rows } = await requirePage(context, request, (d1, key) => [pendingEmailChangeStatement(d1, SESSION_USER, key, now)]);
  const pending = rows[0]![0] as { email: string } | undefined;
  return {
    email: session.user.email,
    emailVerified: session.user.emailVerified,
    pendingEmail: pending?.email ?? null,
    savedLocale: isLocale(session.user.locale) ? session.user.locale : null,
    title: await pageTitle(context, "account:title"),
  };
}

const Intent = z.object({
  intent: z.enum(["resend-verification", "change-password", "change-email", "sign-out-everywhere", "change-language"], {
    error: "Unknown action.",
  }),
});

const LanguageInput = z.object({ locale: LocaleSchema });

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
      const locale = await context.locale();
      const { t } = await context.i18n();
      switch (intent) {
        case "change-language": {
          const input = form.parse(raw, LanguageInput);
          await saveLocale({ db: context.db, userId: user.id, locale: input.locale });
          // The cookie too, so the pages after logging out stay in the chosen language.
          throw redirect("/account?language=saved", {
            headers: { "Set-Cookie": await langCookie(isSecureAppUrl(context.config)).serialize(input.locale) },
          });
        }
        case "resend-verification": {
          await context.limit("emailLink", `user:${user.id}`);
          const r = await resendVerification({ db: context.db, userId: user.id, appUrl, locale, now });
          context.sendEmails(r.emailIds);
          return t("account:email.resent", { email: r.email });
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
          return t("account:password.changed");
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
            locale,
            now,
          });
          context.sendEmails(r.emailIds);
          return t("account:email.changeSent", { email: input.email, current: user.email });
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
  const { t } = useTranslation("account");
  const { email, emailVerified, pendingEmail, savedLocale } = useLoaderData<typeof loader>();
  const locale = useLocale();
  const [params] = useSearchParams();
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
  const [languageForm, languageFields] = useForm<{ locale: string }>({
    id: "change-language",
    lastResult: forIntent("change-language")?.submission,
  });
  return (
    <>
      <h1>{t("heading")}</h1>
      {result && !result.intent ? <FormMessage result={result} /> : null}
      <section className="card" aria-labelledby="email-heading">
        <h2 id="email-heading">{t("email.heading")}</h2>
        <p>
          {email}{" "}
          {emailVerified ? (
            <span className="badge">{t("email.verified")}</span>
          ) : (
            <span className="badge badge-warning">{t("email.notVerified")}</span>
          )}
        </p>
        <FormMessage result={forIntent("resend-verification")} />
        {emailVerified ? null : (
          <Form method="post">
            <p>{t("email.unverifiedNote")}</p>
            <SubmitButton name="intent" value="resend-verification" className="button button-secondary" pendingLabel={t("sending")}>
              {t("email.resend")}
            </SubmitButton>
          </Form>
        )}
        <h3>{t("email.changeHeading")}</h3>
        <FormMessage result={forIntent("change-email")} />
        {pendingEmail && !forIntent("change-email") ? <p className="notice">{t("email.pending", { email: pendingEmail })}</p> : null}
        <Form method="post" {...getFormProps(emailForm)}>
          <input type="hidden" name="intent" value="change-email" />
          <Field meta={emailFields.email} label={t("email.newLabel")} type="email" autoComplete="email" required />
          <Field
            meta={emailFields.currentPassword}
            label={t("common:field.currentPassword")}
            type="password"
            autoComplete="current-password"
            required
          />
          <SubmitButton pendingLabel={t("sending")}>{t("email.submit")}</SubmitButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">{t("password.heading")}</h2>
        <FormMessage result={forIntent("change-password")} />
        <Form method="post" {...getFormProps(passwordForm)}>
          <input type="hidden" name="intent" value="change-password" />
          <Field
            meta={passwordFields.currentPassword}
            label={t("common:field.currentPassword")}
            type="password"
            autoComplete="current-password"
            required
          />
          <NewPasswordFields password={passwordFields.password} confirm={passwordFields.confirm} />
          <SubmitButton pendingLabel={t("saving")}>{t("password.submit")}</SubmitButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="language-heading">
        <h2 id="language-heading">{t("language.heading")}</h2>
        {params.get("language") === "saved" ? (
          <p className="notice" role="status">
            {t("language.saved")}
          </p>
        ) : null}
        <FormMessage result={forIntent("change-language")} />
        <Form method="post" {...getFormProps(languageForm)}>
          <input type="hidden" name="intent" value="change-language" />
          <div className="field">
            <label htmlFor={languageFields.locale.id}>{t("language.label")}</label>
            <select
              id={languageFields.locale.id}
              name={languageFields.locale.name}
              defaultValue={savedLocale ?? locale}
              aria-describedby={languageFields.locale.descriptionId}
            >
              {LOCALES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LOCALE_NAMES[l]}
                </option>
              ))}
            </select>
            <FieldError meta={languageFields.locale} />
            <p className="muted" id={languageFields.locale.descriptionId}>
              {t("language.hint")}
            </p>
          </div>
          <SubmitButton pendingLabel={t("saving")}>{t("language.submit")}</SubmitButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t("sessions.heading")}</h2>
        <p>{t("sessions.body")}</p>
        <Form method="post">
          <SubmitButton name="intent" value="sign-out-everywhere" className="button button-secondary" pendingLabel={t("working")}>
            {t("sessions.submit")}
          </SubmitButton>
        </Form>
      </section>
    </>
  );
}
