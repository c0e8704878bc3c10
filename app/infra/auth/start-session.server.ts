import { type AppLoadContext, data, redirect } from "@remix-run/cloudflare";
import { safeRedirect } from "../../domain/accounts/safe-redirect";
import { isAppError } from "../../domain/errors";
import { appErrorHeaders, errorJson, jsonResponse } from "../http/responses.server";
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
    return jsonResponse({ user: { id: deps.user.id, email: deps.user.email }, redirectTo: to }, {
      headers: { "Set-Cookie": cookie },
    });
  }
  return redirect(to, { headers: { "Set-Cookie": cookie } });
}

export type AuthFormErrors = { message: string; fieldErrors: Record<string, string[]>; email?: string };

/** Expected failures become a 4xx with field messages (JSON or the form again); others propagate. */
export function authFailure(e: unknown, opts: { json: boolean; email?: string }) {
  if (!isAppError(e)) throw e;
  if (opts.json) return errorJson(e.status, e.code, e.message, e.details?.fieldErrors, appErrorHeaders(e));
  return data<AuthFormErrors>(
    { message: e.message, fieldErrors: e.details?.fieldErrors ?? {}, email: opts.email },
    { status: e.status, headers: appErrorHeaders(e) },
  );
}
