import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { clearSessionCookie, destroySession, isSecureRequest } from "../infra/auth/session.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

export async function action({ request, context }: ActionFunctionArgs) {
  await destroySession({ db: context.db, request });
  return jsonResponse({ ok: true }, { headers: { "Set-Cookie": clearSessionCookie({ secure: isSecureRequest(request) }) } });
}

export const loader = () => methodNotAllowed("POST");
