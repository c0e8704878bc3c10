import { withValues } from "../../domain/errors";
import { messageI18nHeaders } from "./action-result.server";
import { errorJson } from "./responses.server";

/** For resource routes that only read: any write method gets a clear 405, not Remix's generic error. */
export function methodNotAllowed(allow: string): Response {
  const { message, i18n } = withValues("This endpoint only accepts {{allow}}.", { allow });
  const res = errorJson(405, "method_not_allowed", message, undefined, messageI18nHeaders(i18n));
  res.headers.set("Allow", allow);
  return res;
}
