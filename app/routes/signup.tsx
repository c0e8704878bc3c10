import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useSearchParams } from "@remix-run/react";
import { SignupInput } from "../domain/accounts/schemas";
import { redirectIfSignedIn } from "../infra/auth/guards.server";
import { signUpAndStartSession } from "../infra/auth/start-session.server";
import { readForm } from "../infra/http/responses.server";
import { AuthForm } from "../components/auth-form";
import { type FormResult } from "../components/field";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { pageTitle } from "../infra/i18n/locale.server";

export const headers = actionRetryAfter;

export const handle = { i18n: ["auth"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  await redirectIfSignedIn(context);
  return { title: await pageTitle(context, "auth:signup.title") };
}

// The signup form; JSON clients use POST /api/auth/signup.
export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async (form) => {
    const raw = await readForm(request);
    await context.limit("signup", context.clientAddress);
    const input = form.parse(raw, SignupInput, { hide: ["password"] });
    return await signUpAndStartSession({ context, request, input, json: false });
  }, "Signed up.");
}

export default function Signup() {
  const errors = useActionData<FormResult>();
  const [params] = useSearchParams();
  return <AuthForm mode="signup" redirectTo={params.get("redirectTo")} errors={errors} />;
}
