import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { clearSessionCookie, destroySession, isSecureAppUrl } from "../infra/auth/session.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const secure = isSecureAppUrl(context.config);
  await destroySession({ db: context.db, request, secure });
  return jsonResponse({ ok: true }, { headers: { "Set-Cookie": clearSessionCookie({ secure }) } });
}

export const loader = () => methodNotAllowed("POST");
