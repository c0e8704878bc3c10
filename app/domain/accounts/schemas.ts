import { z } from "zod";
// Passwords of 10 or more characters from zxcvbn-ts's list of the most common passwords (MIT,
// @zxcvbn-ts/language-common 4.1.3), lower-cased: the blocklist NIST SP 800-63B asks new passwords
// to be checked against. Shorter ones are refused by the length rule already.
import commonPasswords from "./common-passwords.json";

const required = (label: string) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === null ? `${label} is required.` : `${label} must be text.`;

export const EmailSchema = z
  .string({ error: required("Email") })
  .trim()
  .toLowerCase()
  .min(1, "Email is required.")
  .max(254, "Email is too long.")
  .pipe(z.email("Enter a valid email address."));

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

const COMMON = new Set<string>(commonPasswords);

/** A new password is long enough and not one that attackers try first (NIST SP 800-63B 5.1.1.2). */
export const NewPasswordSchema = z
  .string({ error: required("Password") })
  .min(PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`)
  .refine((p) => !COMMON.has(p.toLowerCase()), "This password is on a list of commonly used passwords. Choose another.")
  .refine((p) => !/^(.)\1*$/su.test(p), "Password must not be one character repeated.");

// Login accepts any non-empty password up to the maximum: length rules are for new passwords.
export const LoginPasswordSchema = z
  .string({ error: required("Password") })
  .min(1, "Password is required.")
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`);

const RedirectToSchema = z.string().max(2048).optional();

export const SignupInput = z
  .object({
    email: EmailSchema,
    password: NewPasswordSchema,
    redirectTo: RedirectToSchema,
  })
  .refine((v) => v.password.toLowerCase() !== v.email, {
    path: ["password"],
    message: "Password must not be your email address.",
  });

export const LoginInput = z.object({
  email: EmailSchema,
  password: LoginPasswordSchema,
  redirectTo: RedirectToSchema,
});

export type SignupInput = z.infer<typeof SignupInput>;
export type LoginInput = z.infer<typeof LoginInput>;

export const EmailOnlyInput = z.object({ email: EmailSchema });

// Tokens from emailed links: 43 base64url characters (32 random bytes).
export const TokenSchema = z
  .string({ error: "The link is incomplete." })
  .regex(/^[A-Za-z0-9_-]{43}$/, "The link is incomplete or was changed.");

export const ResetPasswordInput = z
  .object({ token: TokenSchema, password: NewPasswordSchema, confirm: z.string({ error: "Repeat the new password." }) })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The two passwords differ." });

export const ChangePasswordInput = z
  .object({
    currentPassword: LoginPasswordSchema,
    password: NewPasswordSchema,
    confirm: z.string({ error: "Repeat the new password." }),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The two passwords differ." });

export const ChangeEmailInput = z.object({ email: EmailSchema, currentPassword: LoginPasswordSchema });
