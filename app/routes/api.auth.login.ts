import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { verifyLogin } from "../domain/accounts/accounts.server";
import { LoginInput } from "../domain/accounts/schemas";
import { startSession } from "../infra/auth/start-session.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { parseWith, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

// JSON login: the same credential check as the form, answering JSON.
export async function action({ request, context }: ActionFunctionArgs) {
  return runJson(async () => {
    await context.limit("loginClient", context.clientAddress);
    const input = parseWith(LoginInput, await readJson(request));
    await context.limit("loginAccount", input.email);
    const user = await verifyLogin({ db: context.db, email: input.email, password: input.password });
    return await startSession({ context, request, user, redirectTo: input.redirectTo, json: true });
  });
}

export const loader = () => methodNotAllowed("POST");
