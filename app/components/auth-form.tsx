import { Form, Link, useNavigation } from "@remix-run/react";

type Errors = { message?: string; fieldErrors?: Record<string, string[]>; email?: string } | undefined;

// The login and signup forms: labelled fields, errors tied to their inputs, works without JavaScript.
export function AuthForm(props: {
  mode: "login" | "signup";
  redirectTo: string | null;
  errors: Errors;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formMethod === "POST";
  const fe = props.errors?.fieldErrors ?? {};
  const isSignup = props.mode === "signup";
  const otherHref = `${isSignup ? "/login" : "/signup"}${props.redirectTo ? `?redirectTo=${encodeURIComponent(props.redirectTo)}` : ""}`;
  const formError = props.errors?.message && !fe.email && !fe.password ? props.errors.message : null;

  return (
    <section className="card narrow">
      <h1>{isSignup ? "Create your account" : "Log in"}</h1>
      {formError ? (
        <p className="form-error" role="alert" id="form-error">
          {formError}
        </p>
      ) : null}
      <Form method="post" noValidate aria-describedby={formError ? "form-error" : undefined}>
        {props.redirectTo ? <input type="hidden" name="redirectTo" value={props.redirectTo} /> : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={props.errors?.email}
            aria-invalid={fe.email ? true : undefined}
            aria-describedby={fe.email ? "email-error" : undefined}
          />
          {fe.email ? (
            <p className="field-error" id="email-error">
              {fe.email[0]}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete={isSignup ? "new-password" : "current-password"}
            required
            minLength={isSignup ? 10 : undefined}
            maxLength={256}
            aria-invalid={fe.password ? true : undefined}
            aria-describedby={fe.password ? "password-error" : isSignup ? "password-hint" : undefined}
          />
          {fe.password ? (
            <p className="field-error" id="password-error">
              {fe.password[0]}
            </p>
          ) : isSignup ? (
            <p className="muted" id="password-hint">
              At least 10 characters, and not a commonly used password.
            </p>
          ) : null}
        </div>
        <button type="submit" className="button" disabled={busy}>
          {isSignup ? (busy ? "Creating account..." : "Create account") : busy ? "Logging in..." : "Log in"}
        </button>
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
