import { getFormProps, useForm } from "@conform-to/react";
import { Form, Link } from "@remix-run/react";
import { Field, type FormResult } from "./field";
import { SubmitButton } from "./submit-button";
import { useTranslation } from "react-i18next";
import { translateMessage } from "../i18n/messages";

// The login and signup forms: labelled fields, errors tied to their inputs, works without JavaScript.
export function AuthForm(props: { mode: "login" | "signup"; redirectTo: string | null; errors: FormResult | undefined }) {
  const { t } = useTranslation();
  const isSignup = props.mode === "signup";
  const [form, fields] = useForm<{ email: string; password: string; redirectTo: string }>({
    id: props.mode,
    lastResult: props.errors?.submission,
  });
  const otherHref = `${isSignup ? "/login" : "/signup"}${props.redirectTo ? `?redirectTo=${encodeURIComponent(props.redirectTo)}` : ""}`;
  const formError = props.errors?.message && !fields.email.errors && !fields.password.errors ? props.errors.message : null;

  return (
    <section className="card narrow">
      <h1>{isSignup ? t("authForm.signupTitle") : t("authForm.loginTitle")}</h1>
      {formError ? (
        <p className="form-error" role="alert" id="form-error">
          {translateMessage(t, formError, props.errors?.i18n)}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} aria-describedby={formError ? "form-error" : undefined}>
        {props.redirectTo ? <input type="hidden" name="redirectTo" value={props.redirectTo} /> : null}
        <Field meta={fields.email} label={t("field.email")} type="email" autoComplete="email" required />
        <Field
          meta={fields.password}
          label={t("field.password")}
          type="password"
          autoComplete={isSignup ? "new-password" : "current-password"}
          required
          minLength={isSignup ? 10 : undefined}
          maxLength={256}
          hint={isSignup ? t("field.passwordHint") : undefined}
        />
        <SubmitButton pendingLabel={isSignup ? t("authForm.creating") : t("authForm.loggingIn")}>
          {isSignup ? t("authForm.createAccount") : t("authForm.logIn")}
        </SubmitButton>
      </Form>
      {isSignup ? null : (
        <p>
          <Link to="/forgot-password">{t("authForm.forgot")}</Link>
        </p>
      )}
      <p className="muted">
        {isSignup ? t("authForm.haveAccount") : t("authForm.newHere")}{" "}
        <Link to={otherHref}>{isSignup ? t("authForm.logIn") : t("authForm.createAnAccount")}</Link>
      </p>
    </section>
  );
}
