import { type ActionFunctionArgs, redirect } from "@remix-run/cloudflare";
import { clearSessionCookie, destroySession, isSecureAppUrl } from "../infra/auth/session.server";

// Logout is POST-only (a GET could be triggered by any image tag); the server row is deleted.
export async function action({ request, context }: ActionFunctionArgs) {
  const secure = isSecureAppUrl(context.config);
  await destroySession({ db: context.db, request, secure });
  return redirect("/", { headers: { "Set-Cookie": clearSessionCookie({ secure }) } });
}

export function loader() {
  return redirect("/");
}
