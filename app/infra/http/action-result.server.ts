import { type Submission, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { data, type HeadersFunction } from "@remix-run/cloudflare";
import { type z } from "zod";
import { type FieldErrors, invalidInput, isAppError, type MessageI18n } from "../../domain/errors";
import { appErrorHeaders, jsonResponse, readForm } from "./responses.server";

// The failure boundary (habit 17): routes hand their domain call to one of these two wrappers and
// never catch errors themselves. Guards throw Responses, which pass straight through; an AppError
// becomes its status and message; anything else propagates (a real bug, Remix's 500).

export type ActionResult = {
  ok: boolean;
  message: string;
  /** The message's template and values, for pages to show it in their language (translateMessage). */
  i18n?: MessageI18n;
  fieldErrors?: Record<string, string[]>;
  submission?: SubmissionResult<string[]>;
};

/** The header that takes a JSON error's template and values to the Worker's edge (localizeJsonError), which removes it. */
export const MESSAGE_I18N_HEADER = "X-Gatehouse-Message-I18n";

/** The header that carries a JSON error's template and values, for errorJson's `headers` (none without a template). */
export const messageI18nHeaders = (i18n: MessageI18n | undefined): Record<string, string> =>
  i18n ? { [MESSAGE_I18N_HEADER]: encodeURIComponent(JSON.stringify(i18n)) } : {};

// Conform keeps a form's own errors (a schema rule on no one field) under "", our field errors under "_form".
const FORM_ERRORS = "_form";
// Flat names only: conform reads dots and brackets as paths and refuses its own reserved names.
const PLAIN_NAME = /^(?!__)[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * The form a form action parsed, handed to its call by runAction: `parse` is conform's parseWithZod,
 * and runAction answers with `submission.reply()` however the call ends, so the page's useForm shows
 * each error beside its field and refills what was typed (without JavaScript too).
 */
export class FormSubmission {
  #submission: Submission<unknown> | null = null;
  #hide: string[] = [];

  /**
   * The fields of a form body (readForm: text only, first value wins) parsed with `schema`, exactly as
   * zod would parse them (no coercion: the schemas are shared with the JSON APIs). Bad fields are a 422
   * naming them; `hide` fields (passwords) are never sent back.
   */
  parse<S extends z.ZodType>(fields: Record<string, string>, schema: S, opts: { hide?: string[] } = {}): z.output<S> {
    const payload = new URLSearchParams(Object.entries(fields).filter(([name]) => PLAIN_NAME.test(name)));
    const submission = parseWithZod(payload, { schema, disableAutoCoercion: true });
    this.#submission = submission;
    this.#hide = opts.hide ?? [];
    if (submission.status !== "success") throw invalidInput("Some fields need attention.", fieldErrorsOf(submission.error));
    return submission.value;
  }

  /** conform's reply: on success the form is reset; on failure it carries the AppError's field errors. */
  reply(fieldErrors?: FieldErrors): { submission?: SubmissionResult<string[]> } {
    if (!this.#submission) return {};
    if (!fieldErrors) return { submission: this.#submission.reply({ resetForm: true }) };
    const { [FORM_ERRORS]: formErrors, ...fields } = fieldErrors;
    return { submission: this.#submission.reply({ formErrors, fieldErrors: fields, hideFields: this.#hide }) };
  }
}

function fieldErrorsOf(error: Record<string, string[] | null> | null): FieldErrors {
  const out: FieldErrors = {};
  for (const [name, messages] of Object.entries(error ?? {})) if (messages?.length) out[name || FORM_ERRORS] = messages;
  return out;
}

// What a form action's domain call may return: nothing or a message (the page shows it), a Response
// (a redirect, returned as it is), or an object of fields for the page with an optional message.
type Outcome = string | void | Response | ({ message?: string } & Record<string, unknown>);
type Fields<T> = Exclude<T, string | void | Response>;
type FormResult<T, X> = ActionResult & Partial<X> & Partial<Fields<T>>;

/**
 * Form actions: success is `{ ok: true, message }` plus any fields the call returned; an AppError is
 * `{ ok: false, message, fieldErrors }` with its status and headers (Retry-After); others propagate.
 * Once the call has parsed its form (`form.parse`), both carry conform's reply as `submission`.
 */
export async function runAction<T extends Outcome, X extends Record<string, unknown> = Record<never, never>>(
  fn: (form: FormSubmission) => Promise<T>,
  okMessage: string,
  // Carried in both outcomes, e.g. which of a page's forms was posted or the email to show again;
  // read once the call has settled, so the call may fill it in (an auth form's email from its body).
  extra?: X,
) {
  const form = new FormSubmission();
  let outcome: T;
  try {
    outcome = await fn(form);
  } catch (e) {
    if (!isAppError(e)) throw e;
    const fieldErrors = e.details?.fieldErrors ?? {};
    return data(
      {
        ...(extra as X),
        ok: false,
        message: e.message,
        ...(e.i18n ? { i18n: e.i18n } : {}),
        fieldErrors,
        ...form.reply(fieldErrors),
      } as unknown as FormResult<T, X>,
      { status: e.status, headers: appErrorHeaders(e) },
    );
  }
  if (outcome instanceof Response) return outcome as Extract<T, Response>;
  const fields = typeof outcome === "object" && outcome !== null ? outcome : {};
  const message = typeof outcome === "string" && outcome ? outcome : (fields as { message?: string }).message || okMessage;
  return data({ ...(extra as X), ...fields, ok: true, message, ...form.reply() } as unknown as FormResult<T, X>);
}

/**
 * A page of several forms told apart by their `intent` field: the body is read as a form and parsed
 * with `schema` (a union on `intent`), and either outcome says which form was posted (`intent`), so the
 * page shows the answer's field errors beside the right form.
 */
export async function runIntentAction<S extends z.ZodType<{ intent: string }>, T extends Outcome>(
  request: Request,
  schema: S,
  fn: (input: z.output<S>) => Promise<T>,
  okMessage: string,
) {
  const which = { intent: "" };
  return runAction(
    async (form) => {
      const raw = await readForm(request);
      which.intent = raw.intent ?? "";
      return fn(form.parse(raw, schema));
    },
    okMessage,
    which,
  );
}

/**
 * An AppError as JSON `{ error, message, fieldErrors? }` (plus the fields its `details.json` names, e.g.
 * a limit feature's `feature, limit, upgradeUrl`) with its status and headers; anything else is rethrown.
 */
function appErrorToJson(e: unknown, status?: number): Response {
  if (!isAppError(e)) throw e;
  const extra = (e.details?.json ?? {}) as Record<string, unknown>;
  const fieldErrors = e.details?.fieldErrors;
  const body = { ...extra, error: e.code, message: e.message, ...(fieldErrors ? { fieldErrors } : {}) };
  const headers = { ...appErrorHeaders(e), ...messageI18nHeaders(e.i18n) };
  return jsonResponse(body, { status: status ?? e.status, headers });
}

/**
 * JSON actions and loaders: the handler's own answer, or an AppError as `{ error, message, fieldErrors? }`
 * with its status (or `opts.status`, for endpoints whose caller expects one status for every refusal).
 */
export async function runJson<T>(fn: () => Promise<T>, opts: { status?: number } = {}): Promise<T | Response> {
  try {
    return await fn();
  } catch (e) {
    return appErrorToJson(e, opts.status);
  }
}

/**
 * A route's `headers` export for document requests: Remix takes a page's headers from here, not
 * from the action's data(), so a form's 429 carries its Retry-After only through this.
 */
export const actionRetryAfter: HeadersFunction = ({ actionHeaders, loaderHeaders }) => {
  const headers = new Headers(loaderHeaders);
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

/**
 * Page loaders whose domain call may fail (Stripe unreachable, say): an AppError is thrown as a
 * route error with its status and message, which the ErrorBoundary shows; others propagate.
 */
export async function runLoader<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isAppError(e)) throw e;
    throw data(
      { error: e.code, message: e.message, ...(e.i18n ? { i18n: e.i18n } : {}) },
      { status: e.status, headers: appErrorHeaders(e) },
    );
  }
}
