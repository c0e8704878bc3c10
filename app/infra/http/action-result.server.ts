import { data } from "@remix-run/cloudflare";
import { isAppError } from "../../domain/errors";

export type ActionResult = { ok: boolean; message: string; fieldErrors?: Record<string, string[]> };

/**
 * Runs a form action's domain call: success is a message (the call may return its own), an
 * AppError becomes its status and field messages; anything else propagates.
 */
export async function runAction(fn: () => Promise<string | void>, okMessage: string) {
  try {
    const message = await fn();
    return data<ActionResult>({ ok: true, message: message || okMessage });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data<ActionResult>({ ok: false, message: e.message, fieldErrors: e.details?.fieldErrors ?? {} }, { status: e.status });
  }
}
