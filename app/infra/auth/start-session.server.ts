import { type AppLoadContext, redirect } from "@remix-run/cloudflare";
import { signUp } from "../../domain/accounts/accounts.server";
import { safeRedirect } from "../../domain/accounts/safe-redirect";
import { type SignupInput } from "../../domain/accounts/schemas";
import { jsonResponse } from "../http/responses.server";
import { createSession, destroySession, isSecureAppUrl, type SessionUser, sessionCookie } from "./session.server";

/** A new random session id at every login or signup (the one the browser had ends), then on to a same-site page. */
export async function startSession(deps: {
  context: AppLoadContext;
  request: Request;
  user: SessionUser;
  redirectTo: string | undefined;
  json: boolean;
}): Promise<Response> {
  const now = deps.context.now();
  const secure = isSecureAppUrl(deps.context.config);
  // Whoever was signed in on this browser before is signed out on the server too, not just replaced.
  await destroySession({ db: deps.context.db, request: deps.request, secure });
  const { token, expiresAt } = await createSession({
    db: deps.context.db,
    userId: deps.user.id,
    userAgent: deps.request.headers.get("User-Agent"),
    now,
  });
  const cookie = sessionCookie(token, { secure, expiresAt, now });
  const to = safeRedirect(deps.redirectTo);
  if (deps.json) {
    return jsonResponse(
      { user: { id: deps.user.id, email: deps.user.email }, redirectTo: to },
      {
        headers: { "Set-Cookie": cookie },
      },
    );
  }
  return redirect(to, { headers: { "Set-Cookie": cookie } });
}

/** Signup, for the form and the JSON API alike: the account and its verification email, then a session. */
export async function signUpAndStartSession(deps: {
  context: AppLoadContext;
  request: Request;
  input: SignupInput;
  json: boolean;
}): Promise<Response> {
  const { context, input } = deps;
  const { user, emailIds } = await signUp({
    db: context.db,
    email: input.email,
    password: input.password,
    appUrl: context.config.APP_URL,
    locale: await context.locale(),
    now: context.now(),
  });
  context.sendEmails(emailIds);
  return startSession({ context, request: deps.request, user, redirectTo: input.redirectTo, json: deps.json });
}
