import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useSearchParams } from "@remix-run/react";
import { createAuthenticator } from "../infra/auth/authenticator.server";
import { redirectIfSignedIn } from "../infra/auth/guards.server";
import { authFailure, type AuthFormErrors, startSession } from "../infra/auth/start-session.server";
import { badRequest } from "../domain/errors";
import { AuthForm } from "../components/auth-form";
import { actionRetryAfter } from "../infra/http/action-result.server";

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Log in · Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  await redirectIfSignedIn(context);
  return null;
}

// The login form, through remix-auth's FormStrategy; JSON clients use POST /api/auth/login.
export async function action({ request, context }: ActionFunctionArgs) {
  // FormStrategy reads the body itself, so we read the email for re-display from a clone.
  const email = await request
    .clone()
    .formData()
    .then((f) => f.get("email"))
    .catch(() => null);
  try {
    // Guessing is slowed per client address and per account, before the password is checked.
    await context.limit("loginClient", context.clientAddress);
    if (typeof email === "string" && email.trim()) await context.limit("loginAccount", email.trim().toLowerCase());
    const user = await createAuthenticator({ db: context.db })
      .authenticate("form", request)
      .catch((e: unknown) => {
        if (e instanceof TypeError) throw badRequest("The request body is not a valid form.");
        throw e;
      });
    return await startSession({ context, request, user, redirectTo: user.redirectTo, json: false });
  } catch (e) {
    return authFailure(e, { json: false, email: typeof email === "string" ? email : undefined });
  }
}

export default function Login() {
  const errors = useActionData() as AuthFormErrors | undefined;
  const [params] = useSearchParams();
  return <AuthForm mode="login" redirectTo={params.get("redirectTo")} errors={errors} />;
}
