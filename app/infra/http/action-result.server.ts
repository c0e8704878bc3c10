import { data, type HeadersFunction } from "@remix-run/cloudflare";
import { isAppError } from "../../domain/errors";
import { appErrorHeaders } from "./responses.server";

export type ActionResult = { ok: boolean; message: string; fieldErrors?: Record<string, string[]> };

/**
 * Runs a form action's domain call: success is a message (the call may return its own), an
 * AppError becomes its status and field messages; anything else propagates.
 */
export async function runAction<X extends Record<string, unknown> = Record<never, never>>(
  fn: () => Promise<string | void>,
  okMessage: string,
  // Carried in both outcomes, e.g. which of a page's forms was posted.
  extra?: X,
) {
  try {
    const message = await fn();
    return data({ ...(extra as X), ok: true, message: message || okMessage } as ActionResult & Partial<X>);
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data(
      { ...(extra as X), ok: false, message: e.message, fieldErrors: e.details?.fieldErrors ?? {} } as ActionResult & Partial<X>,
      { status: e.status, headers: appErrorHeaders(e) },
    );
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
