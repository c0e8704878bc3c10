import { data, type HeadersFunction } from "@remix-run/cloudflare";
import { isAppError } from "../../domain/errors";
import { appErrorHeaders, errorJson } from "./responses.server";

// The failure boundary (habit 17): routes hand their domain call to one of these two wrappers and
// never catch errors themselves. Guards throw Responses, which pass straight through; an AppError
// becomes its status and message; anything else propagates (a real bug, Remix's 500).

export type ActionResult = { ok: boolean; message: string; fieldErrors?: Record<string, string[]> };

// What a form action's domain call may return: nothing or a message (the page shows it), a Response
// (a redirect, returned as it is), or an object of fields for the page with an optional message.
type Outcome = string | void | Response | ({ message?: string } & Record<string, unknown>);
type Fields<T> = Exclude<T, string | void | Response>;
type FormResult<T, X> = ActionResult & Partial<X> & Partial<Fields<T>>;

/**
 * Form actions: success is `{ ok: true, message }` plus any fields the call returned; an AppError is
 * `{ ok: false, message, fieldErrors }` with its status and headers (Retry-After); others propagate.
 */
export async function runAction<T extends Outcome, X extends Record<string, unknown> = Record<never, never>>(
  fn: () => Promise<T>,
  okMessage: string,
  // Carried in both outcomes, e.g. which of a page's forms was posted or the email to show again;
  // read once the call has settled, so the call may fill it in (an auth form's email from its body).
  extra?: X,
) {
  let outcome: T;
  try {
    outcome = await fn();
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data(
      { ...(extra as X), ok: false, message: e.message, fieldErrors: e.details?.fieldErrors ?? {} } as unknown as FormResult<T, X>,
      { status: e.status, headers: appErrorHeaders(e) },
    );
  }
  if (outcome instanceof Response) return outcome as Extract<T, Response>;
  const fields = typeof outcome === "object" && outcome !== null ? outcome : {};
  const message = typeof outcome === "string" && outcome ? outcome : ((fields as { message?: string }).message || okMessage);
  return data({ ...(extra as X), ...fields, ok: true, message } as unknown as FormResult<T, X>);
}

/** An AppError as JSON `{ error, message, fieldErrors? }` with its status and headers; anything else is rethrown. */
function appErrorToJson(e: unknown, status?: number): Response {
  if (isAppError(e)) return errorJson(status ?? e.status, e.code, e.message, e.details?.fieldErrors, appErrorHeaders(e));
  throw e;
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
