import { z } from "zod";

const required = (label: string) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === null ? `${label} is required.` : `${label} must be text.`;

export const EmailSchema = z
  .string({ error: required("Email") })
  .trim()
  .toLowerCase()
  .min(1, "Email is required.")
  .max(254, "Email is too long.")
  .pipe(z.email("Enter a valid email address."));

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export const NewPasswordSchema = z
  .string({ error: required("Password") })
  .min(PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`);

// Login accepts any non-empty password up to the maximum: length rules are for new passwords.
export const LoginPasswordSchema = z
  .string({ error: required("Password") })
  .min(1, "Password is required.")
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`);

const RedirectToSchema = z.string().max(2048).optional();

export const SignupInput = z.object({
  email: EmailSchema,
  password: NewPasswordSchema,
  redirectTo: RedirectToSchema,
});

export const LoginInput = z.object({
  email: EmailSchema,
  password: LoginPasswordSchema,
  redirectTo: RedirectToSchema,
});

export type SignupInput = z.infer<typeof SignupInput>;
export type LoginInput = z.infer<typeof LoginInput>;
