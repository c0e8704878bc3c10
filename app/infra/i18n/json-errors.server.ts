import { type AppLoadContext } from "@remix-run/cloudflare";
import { DEFAULT_LOCALE } from "../../i18n/config";
import { translateMessage } from "../../i18n/messages";
import { type MessageI18n } from "../../domain/errors";
import { MESSAGE_I18N_HEADER } from "../http/action-result.server";

const isJson = (res: Response) => (res.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/json");

/**
 * A JSON error `{ error, message, fieldErrors? }` with its `message` and field messages in the
 * request's language; `error` stays the stable English code clients branch on. Done once here, at
 * the Worker's edge, for every JSON failure (runJson's, direct routes', guards'); English answers
 * pass through untouched.
 */
export async function localizeJsonError(res: Response, context: AppLoadContext): Promise<Response> {
  const carried = res.headers.get(MESSAGE_I18N_HEADER);
  if (carried !== null) res = withoutHeader(res, MESSAGE_I18N_HEADER);
  if (res.status < 400 || !isJson(res)) return res;
  const locale = await context.locale();
  if (locale === DEFAULT_LOCALE) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: unknown; message?: unknown; fieldErrors?: unknown } | null;
  if (!body || typeof body !== "object" || typeof body.error !== "string" || typeof body.message !== "string") return res;
  const { t } = await context.i18n();
  const out: Record<string, unknown> = { ...body, message: translateMessage(t, body.message, parseCarried(carried)) };
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

function withoutHeader(res: Response, name: string): Response {
  const headers = new Headers(res.headers);
  headers.delete(name);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/** The template and values appErrorToJson put in the header, or null when they are missing or not ours. */
function parseCarried(value: string | null): MessageI18n | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(decodeURIComponent(value)) as Partial<MessageI18n> | null;
    return parsed && typeof parsed.key === "string" && parsed.values && typeof parsed.values === "object" ? (parsed as MessageI18n) : null;
  } catch {
    return null;
  }
}
