import { type FieldMetadata, getInputProps } from "@conform-to/react";
import { type InputHTMLAttributes, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { translateMessage } from "../i18n/messages";
import type { ActionResult } from "../infra/http/action-result.server";

type FieldProps = {
  meta: FieldMetadata<string>;
  label: string;
  type: "text" | "email" | "password";
  hint?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id" | "type" | "form" | "defaultValue">;

/**
 * A labelled input wired by conform: `aria-invalid` and `aria-describedby` name its error (and hint),
 * and after a failed post it shows what was typed (the server's reply, so without JavaScript too).
 */
export function Field({ meta, label, type, hint, ...input }: FieldProps) {
  return (
    <div className="field">
      <label htmlFor={meta.id}>{label}</label>
      <input {...getInputProps(meta, { type, ariaDescribedBy: hint ? meta.descriptionId : undefined })} key={meta.key} {...input} />
      <FieldError meta={meta} />
      {hint ? (
        <p className="muted" id={meta.descriptionId}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A field's first error, at the id its control's `aria-describedby` names. */
export function FieldError({ meta }: { meta: Pick<FieldMetadata<unknown>, "errorId" | "errors"> }) {
  const { t } = useTranslation();
  if (!meta.errors?.length) return null;
  return (
    <p className="field-error" id={meta.errorId}>
      {translateMessage(t, meta.errors[0]!)}
    </p>
  );
}

/** A new password and its repetition, with the rules as the hint (schemas.ts NewPasswordSchema decides). */
export function NewPasswordFields(props: { password: FieldMetadata<string>; confirm: FieldMetadata<string> }) {
  const { t } = useTranslation();
  return (
    <>
      <Field
        meta={props.password}
        label={t("field.newPassword")}
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        maxLength={256}
        hint={t("field.passwordHint")}
      />
      <Field meta={props.confirm} label={t("field.repeatPassword")} type="password" autoComplete="new-password" required />
    </>
  );
}

/** What a form action answers (runAction): the outcome, and conform's reply for useForm's `lastResult`. */
export type FormResult = ActionResult;

/** The outcome of a form post, announced to screen readers; `children` follow the message. */
export function FormMessage({
  result,
  children,
  testId,
}: {
  result: Pick<FormResult, "ok" | "message" | "i18n"> | undefined | null;
  children?: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (!result) return null;
  return (
    <p className={result.ok ? "notice" : "form-error"} role={result.ok ? "status" : "alert"} data-testid={testId}>
      {translateMessage(t, result.message, result.i18n)}
      {children}
    </p>
  );
}
