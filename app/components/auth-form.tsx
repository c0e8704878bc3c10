import { getFormProps, useForm } from "@conform-to/react";
import { Form, Link } from "@remix-run/react";
import { Field, type FormResult } from "./field";
import { SubmitButton } from "./submit-button";

// The login and signup forms: labelled fields, errors tied to their inputs, works without JavaScript.
export function AuthForm(props: { mode: "login" | "signup"; redirectTo: string | null; errors: FormResult | undefined }) {
  const isSignup = props.mode === "signup";
  const [form, fields] = useForm<{ email: string; password: string; redirectTo: string }>({
    id: props.mode,
    lastResult: props.errors?.submission,
  });
  const otherHref = `${isSignup ? "/login" : "/signup"}${props.redirectTo ? `?redirectTo=${encodeURIComponent(props.redirectTo)}` : ""}`;
  const formError = props.errors?.message && !fields.email.errors && !fields.password.errors ? props.errors.message : null;

  return (
    <section className="card narrow">
      <h1>{isSignup ? "Create your account" : "Log in"}</h1>
      {formError ? (
        <p className="form-error" role="alert" id="form-error">
          {formError}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} aria-describedby={formError ? "form-error" : undefined}>
        {props.redirectTo ? <input type="hidden" name="redirectTo" value={props.redirectTo} /> : null}
        <Field meta={fields.email} label="Email" type="email" autoComplete="email" required />
        <Field
          meta={fields.password}
          label="Password"
          type="password"
          autoComplete={isSignup ? "new-password" : "current-password"}
          required
          minLength={isSignup ? 10 : undefined}
          maxLength={256}
          hint={isSignup ? "At least 10 characters, and not a commonly used password." : undefined}
        />
        <SubmitButton pendingLabel={isSignup ? "Creating account..." : "Logging in..."}>
          {isSignup ? "Create account" : "Log in"}
        </SubmitButton>
      </Form>
      {isSignup ? null : (
        <p>
          <Link to="/forgot-password">Forgot password?</Link>
        </p>
      )}
      <p className="muted">
        {isSignup ? "Already have an account? " : "New to Gatehouse? "}
        <Link to={otherHref}>{isSignup ? "Log in" : "Create an account"}</Link>
      </p>
    </section>
  );
}
