// Domain failures carry an HTTP status so one boundary helper can turn them into a Response.
export type FieldErrors = Record<string, string[]>;

/**
 * A message that carries values (ADR 024): `key` is its English template in the messages catalog
 * (`{{count}}`, `{{plan}}`...), `values` fill it in. The error's `message` stays the English text, so
 * JSON clients and logs read what they always read.
 */
export type MessageI18n = { key: string; values: Record<string, string | number> };

/**
 * A message with values whose English is its template filled in (no plural in English): the English
 * text and the template with its values, ready for an AppError or a seat refusal.
 */
export function withValues(key: string, values: Record<string, string | number>): { message: string; i18n: MessageI18n } {
  const message = key.replace(/\{\{(\w+)\}\}/g, (all, name: string) => (name in values ? String(values[name]) : all));
  return { message, i18n: { key, values } };
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: { fieldErrors?: FieldErrors } & Record<string, unknown>;
  readonly i18n?: MessageI18n;

  constructor(opts: { code: string; status: number; message: string; details?: AppError["details"]; i18n?: MessageI18n }) {
    super(opts.message);
    this.name = "AppError";
    this.code = opts.code;
    this.status = opts.status;
    this.details = opts.details;
    if (opts.i18n) this.i18n = opts.i18n;
  }
}

export const badRequest = (message: string, fieldErrors?: FieldErrors) =>
  new AppError({ code: "bad_request", status: 400, message, details: fieldErrors ? { fieldErrors } : undefined });

export const invalidInput = (message: string, fieldErrors: FieldErrors) =>
  new AppError({ code: "invalid_input", status: 422, message, details: { fieldErrors } });

export const notFound = (message: string) => new AppError({ code: "not_found", status: 404, message });

/** What a refusal says: plain English, or English with its template and values (`withValues`). */
export type Message = string | { message: string; i18n?: MessageI18n };
const messageOf = (m: Message): { message: string; i18n?: MessageI18n } => (typeof m === "string" ? { message: m } : m);

export const conflict = (code: string, message: Message, details?: AppError["details"]) =>
  new AppError({ code, status: 409, ...messageOf(message), details });

/** Stripe could not be reached or failed on its side: a 502 the buyer can retry, never a 500. */
export const paymentProviderUnavailable = () =>
  new AppError({
    code: "payment_provider_unavailable",
    status: 502,
    message: "We could not reach the payment provider. Please try again.",
  });

/** Stripe answered but refused a catalog change (e.g. an archived feature): a 502 naming its reason, never a 500. */
export const paymentProviderRejected = (reason: string) =>
  new AppError({
    code: "payment_provider_rejected",
    status: 502,
    ...withValues("Stripe refused the change, so nothing was saved: {{reason}}", { reason }),
  });

/** Signed in, but not allowed: the one 403 of domain code (the code the access guard uses too). */
export const forbidden = (message: Message) => new AppError({ code: "no_access", status: 403, ...messageOf(message) });

// By shape as well as by class: the Worker entry and load context are one module graph and the
// Remix server build another (under vitest-pool-workers they are two copies of this class), so an
// AppError thrown by a load-context helper must still be recognised at a route's boundary.
export const isAppError = (e: unknown): e is AppError =>
  e instanceof AppError ||
  (e instanceof Error && e.name === "AppError" && typeof (e as AppError).code === "string" && typeof (e as AppError).status === "number");
