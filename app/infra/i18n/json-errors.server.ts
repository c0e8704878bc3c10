import { type AppLoadContext } from "@remix-run/cloudflare";
import { DEFAULT_LOCALE } from "../../i18n/config";
import { translateMessage } from "../../i18n/messages";

const isJson = (res: Response) => (res.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/json");

/**
 * A JSON error `{ error, message, fieldErrors? }` with its `message` and field messages in the
 * request's language; `error` stays the stable English code clients branch on. Done once here, at
 * the Worker's edge, for every JSON failure (runJson's, direct routes', guards'); English answers
 * pass through untouched.
 */
export async function localizeJsonError(res: Response, context: AppLoadContext): Promise<Response> {
  if (res.status < 400 || !isJson(res)) return res;
  const locale = await context.locale();
  if (locale === DEFAULT_LOCALE) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: unknown; message?: unknown; fieldErrors?: unknown } | null;
  if (!body || typeof body !== "object" || typeof body.error !== "string" || typeof body.message !== "string") return res;
  const { t } = await context.i18n();
  const out: Record<string, unknown> = { ...body, message: translateMessage(t, body.message) };
  if (body.fieldErrors && typeof body.fieldErrors === "object") {
    out.fieldErrors = Object.fromEntries(
      Object.entries(body.fieldErrors as Record<string, unknown>).map(([field, messages]) => [
        field,
        Array.isArray(messages) ? (messages as unknown[]).map((m) => (typeof m === "string" ? translateMessage(t, m) : m)) : messages,
      ]),
    );
  }
  const headers = new Headers(res.headers);
  headers.delete("Content-Length");
  headers.append("Vary", "Accept-Language");
  return new Response(JSON.stringify(out), { status: res.status, statusText: res.statusText, headers });
}
