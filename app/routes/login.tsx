import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useActionData, useSearchParams } from "@remix-run/react";
import { createAuthenticator } from "../infra/auth/authenticator.server";
import { redirectIfSignedIn } from "../infra/auth/guards.server";
import { startSession } from "../infra/auth/start-session.server";
import { LoginInput } from "../domain/accounts/schemas";
import { badRequest } from "../domain/errors";
import { AuthForm } from "../components/auth-form";
import { type FormResult } from "../components/field";
import { readForm } from "../infra/http/responses.server";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { pageTitle } from "../infra/i18n/locale.server";

export const headers = actionRetryAfter;

export const handle = { i18n: ["auth"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ context }: LoaderFunctionArgs) {
  await redirectIfSignedIn(context);
  return { title: await pageTitle(context, "auth:login.title") };
}

// The login form, through remix-auth's FormStrategy; JSON clients use POST /api/auth/login.
export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async (form) => {
    // FormStrategy reads the body itself, so we read the form (for the limits and re-display) from a
    // clone first: a body that is not a form, or too large, is a 400 here, before remix-auth sees it.
    const { email } = form.parse(await readForm(request.clone() as unknown as Request), LoginInput, { hide: ["password"] });
    // Guessing is slowed per client address and per account, before the password is checked.
    await context.limit("loginClient", context.clientAddress);
    await context.limit("loginAccount", email);
    const user = await createAuthenticator({ db: context.db })
      .authenticate("form", request)
      .catch((e: unknown) => {
        if (e instanceof TypeError) throw badRequest("The request body is not a valid form.");
        throw e;
      });
    return await startSession({ context, request, user, redirectTo: user.redirectTo, json: false });
  }, "Signed in.");
}

export default function Login() {
  const errors = useActionData<FormResult>();
  const [params] = useSearchParams();
  return <AuthForm mode="login" redirectTo={params.get("redirectTo")} errors={errors} />;
}
