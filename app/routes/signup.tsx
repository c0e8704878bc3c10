import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useSearchParams } from "@remix-run/react";
import { SignupInput } from "../domain/accounts/schemas";
import { redirectIfSignedIn } from "../infra/auth/guards.server";
import { type AuthFormErrors, signUpAndStartSession } from "../infra/auth/start-session.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { AuthForm } from "../components/auth-form";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Sign up · Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  await redirectIfSignedIn(context);
  return null;
}

// The signup form; JSON clients use POST /api/auth/signup.
export async function action({ request, context }: ActionFunctionArgs) {
  const shown: { email?: string } = {};
  return runAction(async () => {
    const raw = await readForm(request);
    shown.email = raw.email;
    await context.limit("signup", context.clientAddress);
    return await signUpAndStartSession({ context, request, input: parseWith(SignupInput, raw), json: false });
  }, "Signed up.", shown);
}

export default function Signup() {
  const errors = useActionData() as AuthFormErrors | undefined;
  const [params] = useSearchParams();
  return <AuthForm mode="signup" redirectTo={params.get("redirectTo")} errors={errors} />;
}
