import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData } from "@remix-run/react";
import { z } from "zod";
import { requestToJoin } from "../domain/tenants/members.server";
import { requireSession } from "../infra/auth/guards.server";
import { parseWith, readForm } from "../infra/http/responses.server";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";

export const headers = actionRetryAfter;

export const meta: MetaFunction = () => [{ title: "Join an organisation · Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSession(context, request);
  return null;
}

const JoinInput = z.object({
  code: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[0-9A-Z]{8}$/, "A join code is 8 letters and digits."),
});

// A signed-in user enters a tenant's join code and gets a pending membership for an admin to approve.
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  return runAction(async () => {
    // Join codes are 8 symbols from 32: slow down anyone trying them in turn.
    await context.limit("join", user.id);
    const { code } = parseWith(JoinInput, await readForm(request));
    const result = await requestToJoin({ db: context.db, userId: user.id, code, now: context.now() });
    return { tenantName: result.tenantName };
  }, "Request sent.");
}

type Result = { ok: true; tenantName: string } | { ok: false; message: string; fieldErrors: Record<string, string[]> };

export default function Join() {
  const result = useActionData<Result>();
  const codeError = result && !result.ok ? (result.fieldErrors.code ?? [result.message]).join(" ") : null;
  return (
    <section className="card narrow">
      <h1>Join an organisation</h1>
      {result?.ok ? (
        <p className="notice" role="status">
          Request sent to {result.tenantName}. An owner or admin will approve it; you will see it on your <Link to="/dashboard">dashboard</Link>.
        </p>
      ) : (
        <Form method="post" noValidate>
          <div className="field">
            <label htmlFor="join-code">Organisation code</label>
            <input
              id="join-code"
              name="code"
              type="text"
              required
              autoComplete="off"
              maxLength={16}
              aria-invalid={codeError ? true : undefined}
              aria-describedby={codeError ? "join-code-error" : undefined}
            />
            {codeError ? (
              <p id="join-code-error" className="field-error" role="alert">
                {codeError}
              </p>
            ) : null}
          </div>
          <button type="submit" className="button">
            Ask to join
          </button>
        </Form>
      )}
    </section>
  );
}
