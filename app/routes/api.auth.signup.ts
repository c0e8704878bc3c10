import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { signUp } from "../domain/accounts/accounts.server";
import { SignupInput } from "../domain/accounts/schemas";
import { startSession } from "../infra/auth/start-session.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { appErrorToJson, parseWith, readJson } from "../infra/http/responses.server";

// JSON signup: { email, password } -> 200 { user } with the session cookie, or a 4xx { error, message, fieldErrors }.
export async function action({ request, context }: ActionFunctionArgs) {
  try {
    const input = parseWith(SignupInput, await readJson(request));
    const user = await signUp({
      db: context.db,
      email: input.email,
      password: input.password,
      adminEmails: context.config.adminEmails,
      now: context.now(),
    });
    return await startSession({ context, request, user, redirectTo: input.redirectTo, json: true });
  } catch (e) {
    return appErrorToJson(e);
  }
}

export const loader = () => methodNotAllowed("POST");
