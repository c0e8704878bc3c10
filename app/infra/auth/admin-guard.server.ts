import { type AppLoadContext, data } from "@remix-run/cloudflare";
import { errorJson } from "../http/responses.server";
import { type ActiveSession } from "./session.server";

/** System admins only. Every /admin loader, action and admin API calls this itself; anyone else gets 403. */
export async function requireSystemAdmin(context: AppLoadContext, opts: { api?: boolean } = {}): Promise<ActiveSession> {
  const session = await context.session();
  if (session?.user.isSystemAdmin) return session;
  const message = session ? "This area is for system administrators." : "Sign in as a system administrator to continue.";
  if (opts.api) throw errorJson(403, "forbidden", message);
  throw data({ adminOnly: true, signedIn: Boolean(session), message }, { status: 403 });
}
