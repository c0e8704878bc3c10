import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData } from "@remix-run/react";
import { z } from "zod";
import { requestToJoin } from "../domain/tenants/members.server";
import { requireSession } from "../infra/auth/guards.server";
import { readForm } from "../infra/http/responses.server";
import { actionRetryAfter, runAction } from "../infra/http/action-result.server";
import { type FormResult } from "../components/field";
import { SubmitButton } from "../components/submit-button";
import { Trans, useTranslation } from "react-i18next";
import { translateMessage } from "../i18n/messages";
import { pageTitle } from "../infra/i18n/locale.server";

export const headers = actionRetryAfter;

export const handle = { i18n: ["orgs"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSession(context, request);
  return { title: await pageTitle(context, "orgs:join.title") };
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
  return runAction(async (form) => {
    // Join codes are 8 symbols from 32: slow down anyone trying them in turn.
    await context.limit("join", user.id);
    const { code } = form.parse(await readForm(request), JoinInput);
    const result = await requestToJoin({ db: context.db, userId: user.id, code, now: context.now() });
    return { tenantName: result.tenantName };
  }, "Request sent.");
}

type Result = FormResult & { tenantName?: string };

export default function Join() {
  const { t } = useTranslation("orgs");
  const result = useActionData<Result>();
  const [form, fields] = useForm<{ code: string }>({ id: "join", lastResult: result?.submission });
  // A refusal about no one field (too many tries) is still shown beside the code.
  const codeError =
    result && !result.ok
      ? fields.code.errors
        ? fields.code.errors.map((m) => translateMessage(t, m)).join(" ")
        : translateMessage(t, result.message, result.i18n)
      : null;
  return (
    <section className="card narrow">
      <h1>{t("join.heading")}</h1>
      {result?.ok ? (
        <p className="notice" role="status">
          <Trans
            t={t}
            i18nKey="join.sent"
            values={{ organisation: result.tenantName }}
            components={{ dashboard: <Link to="/dashboard" /> }}
          />
        </p>
      ) : (
        <Form method="post" {...getFormProps(form)}>
          <div className="field">
            <label htmlFor={fields.code.id}>{t("join.code")}</label>
            <input
              {...getInputProps(fields.code, { type: "text", ariaAttributes: false })}
              key={fields.code.key}
              required
              autoComplete="off"
              maxLength={16}
              aria-invalid={codeError ? true : undefined}
              aria-describedby={codeError ? fields.code.errorId : undefined}
            />
            {codeError ? (
              <p id={fields.code.errorId} className="field-error" role="alert">
                {codeError}
              </p>
            ) : null}
          </div>
          <SubmitButton pendingLabel={t("join.sending")}>{t("join.submit")}</SubmitButton>
        </Form>
      )}
    </section>
  );
}
