import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { SignupInput } from "../domain/accounts/schemas";
import { signUpAndStartSession } from "../infra/auth/start-session.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { parseWith, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

// JSON signup: { email, password } -> 200 { user } with the session cookie (the account starts unverified and a
// verification email is sent), or a 4xx { error, message, fieldErrors }; 429 rate_limited with Retry-After.
export async function action({ request, context }: ActionFunctionArgs) {
  return runJson(async () => {
    await context.limit("signup", context.clientAddress);
    return await signUpAndStartSession({ context, request, input: parseWith(SignupInput, await readJson(request)), json: true });
  });
}

export const loader = () => methodNotAllowed("POST");
