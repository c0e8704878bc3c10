import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { redeemEmailLink } from "../domain/accounts/email-links.server";
import { TokenSchema } from "../domain/accounts/schemas";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { type FormResult, FormMessage } from "../components/field";
import { SubmitButton } from "../components/submit-button";

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Verify your email · Gatehouse" }];

// Opening the link only shows a button: mail scanners that fetch every link must not use it up.
export function loader({ request }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  return { token: TokenSchema.safeParse(token).success ? token : null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  return runAction(async () => {
    const { token } = parseWith(z.object({ token: TokenSchema }), await readForm(request));
    const r = await redeemEmailLink({
      db: context.db,
      token,
      sessionUserId: (await context.session())?.user.id ?? null,
      adminEmails: context.config.adminEmails,
      appUrl: context.config.APP_URL,
      now: context.now(),
    });
    const what = r.kind === "email_changed" ? `Your account's email address is now ${r.email}.` : `${r.email} is verified.`;
    return r.promoted ? `${what} This address is listed as a system administrator, so you now have admin rights.` : what;
  }, "");
}

export default function VerifyEmail() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<FormResult>();
  return (
    <section className="card narrow">
      <h1>{result?.ok ? "Email address confirmed" : "Confirm your email address"}</h1>
      <FormMessage result={result} />
      {result?.ok ? (
        <p>
          <Link to="/dashboard" className="button">
            Continue to your dashboard
          </Link>
        </p>
      ) : token ? (
        <Form method="post">
          <input type="hidden" name="token" value={token} />
          <SubmitButton pendingLabel="Confirming...">Confirm my email address</SubmitButton>
        </Form>
      ) : (
        <p>This link is incomplete. Open the link from the email again, or ask for a new one on your account page.</p>
      )}
      {result && !result.ok ? (
        <p>
          <Link to="/account">Ask for a new link</Link>
        </p>
      ) : null}
    </section>
  );
}
