import { type InputHTMLAttributes } from "react";

type FieldProps = {
  name: string;
  label: string;
  errors?: string[];
  hint?: string;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id">;

/** A labelled input whose error (or hint) is tied to it for screen readers. */
export function Field({ name, label, errors, hint, ...input }: FieldProps) {
  const id = input.form ? `${input.form}-${name}` : name;
  const describedBy = errors?.length ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} aria-invalid={errors?.length ? true : undefined} aria-describedby={describedBy} {...input} />
      {errors?.length ? (
        <p className="field-error" id={`${id}-error`}>
          {errors[0]}
        </p>
      ) : hint ? (
        <p className="muted" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A new password and its repetition, with the rules as the hint (schemas.ts NewPasswordSchema decides). */
export function NewPasswordFields(props: { form?: string; errors: Record<string, string[] | undefined> }) {
  return (
    <>
      <Field
        form={props.form}
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        maxLength={256}
        errors={props.errors.password}
        hint="At least 10 characters, and not a commonly used password."
      />
      <Field form={props.form} name="confirm" label="Repeat the new password" type="password" autoComplete="new-password" required errors={props.errors.confirm} />
    </>
  );
}

export type FormResult = { ok: boolean; message: string; fieldErrors?: Record<string, string[]> };

/** The outcome of a form post, announced to screen readers. */
export function FormMessage({ result }: { result: FormResult | undefined | null }) {
  if (!result) return null;
  return (
    <p className={result.ok ? "notice" : "form-error"} role={result.ok ? "status" : "alert"}>
      {result.message}
    </p>
  );
}
