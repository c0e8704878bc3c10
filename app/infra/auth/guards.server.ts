import { type AppLoadContext, data, redirect } from "@remix-run/cloudflare";
import { type Access } from "../../domain/entitlements/access";
import { isAppError } from "../../domain/errors";
import { type ManagedTenant, requireManagedTenant } from "../../domain/seats/seats.server";
import { errorJson } from "../http/responses.server";
import { type PageRows, type PageStatements } from "../d1/page-read.server";
import { type ActiveSession } from "./session.server";

/** Signed-in users only: pages redirect to login (coming back afterwards), APIs answer 401. */
export async function requireSession(context: AppLoadContext, request: Request, opts: { api?: boolean } = {}): Promise<ActiveSession> {
  const session = await context.session();
  if (session) return session;
  throw signedOut(request, opts);
}

/** The signed-in user's access (one query a request); signed out, the same answer as requireSession. */
export async function requireAccess(context: AppLoadContext, request: Request, opts: { api?: boolean } = {}): Promise<Access> {
  const access = await context.access();
  if (access) return access;
  throw signedOut(request, opts);
}

function signedOut(request: Request, opts: { api?: boolean }): Response {
  if (opts.api) return errorJson(401, "unauthorized", "Sign in to continue.");
  const url = new URL(request.url);
  const back = url.pathname.replace(/\.data$/, "") + url.search;
  return redirect(`/login?redirectTo=${encodeURIComponent(back)}`);
}

/** Pages for signed-out visitors (login, signup) send signed-in users on. */
export async function redirectIfSignedIn(context: AppLoadContext, to = "/dashboard"): Promise<void> {
  if (await context.session()) throw redirect(to);
}

/**
 * Owners and admins of the tenant behind `slug` only: outsiders get a 404 and plain members a 403,
 * thrown as Responses the route's error boundary shows (`{ message }`).
 */
export async function requireTenantManager(context: AppLoadContext, slug: string | undefined): Promise<ManagedTenant> {
  const session = await context.session();
  if (!session) throw data({ message: "Sign in to continue." }, { status: 401 });
  try {
    return await requireManagedTenant({ db: context.db, userId: session.user.id, slug: slug ?? "" });
  } catch (e) {
    if (isAppError(e)) throw data({ message: e.message }, { status: e.status });
    throw e;
  }
}

/**
 * A signed-in GET page's session, access and own rows in one D1 round trip (ADR 022): `statements`
 * join the session lookup's batch. Signed out, the same answer as requireSession.
 */
export async function requirePage(
  context: AppLoadContext,
  request: Request,
  statements: PageStatements,
  opts: { api?: boolean } = {},
): Promise<{ session: ActiveSession; access: Access; rows: PageRows }> {
  const { session, access, rows } = await context.readPage(statements);
  if (session && access) return { session, access, rows };
  throw signedOut(request, opts);
}
