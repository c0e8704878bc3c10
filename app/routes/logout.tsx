import { type ActionFunctionArgs, redirect } from "@remix-run/cloudflare";
import { clearSessionCookie, destroySession, isSecureRequest } from "../infra/auth/session.server";

// Logout is POST-only (a GET could be triggered by any image tag); the server row is deleted.
export async function action({ request, context }: ActionFunctionArgs) {
  await destroySession({ db: context.db, request });
  return redirect("/", { headers: { "Set-Cookie": clearSessionCookie({ secure: isSecureRequest(request) }) } });
}

export async function loader() {
  return redirect("/");
}
