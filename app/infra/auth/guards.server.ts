import { type AppLoadContext, redirect } from "@remix-run/cloudflare";
import { errorJson } from "../http/responses.server";
import { type ActiveSession } from "./session.server";

/** Signed-in users only: pages redirect to login (coming back afterwards), APIs answer 401. */
export async function requireSession(
  context: AppLoadContext,
  request: Request,
  opts: { api?: boolean } = {},
): Promise<ActiveSession> {
  const session = await context.session();
  if (session) return session;
  if (opts.api) throw errorJson(401, "unauthorized", "Sign in to continue.");
  const url = new URL(request.url);
  const back = url.pathname.replace(/\.data$/, "") + url.search;
  throw redirect(`/login?redirectTo=${encodeURIComponent(back)}`);
}

/** Pages for signed-out visitors (login, signup) send signed-in users on. */
export async function redirectIfSignedIn(context: AppLoadContext, to = "/dashboard"): Promise<void> {
  if (await context.session()) throw redirect(to);
}
