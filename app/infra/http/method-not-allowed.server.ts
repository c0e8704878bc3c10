import { errorJson } from "./responses.server";

/** For resource routes that only read: any write method gets a clear 405, not Remix's generic error. */
export function methodNotAllowed(allow: string): Response {
  const res = errorJson(405, "method_not_allowed", `This endpoint only accepts ${allow}.`);
  res.headers.set("Allow", allow);
  return res;
}
