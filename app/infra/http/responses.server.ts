import { z } from "zod";
import { AppError, badRequest, type FieldErrors, invalidInput, isAppError, withValues } from "../../domain/errors";

export const JSON_BODY_LIMIT = 64 * 1024;

export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}

export function errorJson(status: number, code: string, message: string, fieldErrors?: FieldErrors, headers?: HeadersInit): Response {
  return jsonResponse({ error: code, message, ...(fieldErrors ? { fieldErrors } : {}) }, { status, headers });
}

/** Headers an AppError asks for: Retry-After on a 429. */
export function appErrorHeaders(e: AppError): Record<string, string> {
  const retryAfter = e.details?.retryAfter;
  return typeof retryAfter === "number" ? { "Retry-After": String(retryAfter) } : {};
}

export const isJsonRequest = (request: Request) => (request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/json");

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput("Some fields need attention.", fieldErrorsOf(parsed.error));
  return parsed.data;
}

/** An admin list's `?status=` filter: one of `statuses`, where "" is all and stands for anything else. */
export function readStatusFilter<const S extends readonly ["", ...string[]]>(request: Request, statuses: S): S[number] {
  const Filter = z.object({ status: z.enum(statuses).catch("") });
  return Filter.parse(Object.fromEntries(new URL(request.url).searchParams)).status;
}

/** Form fields as plain strings; a file where text is expected is bad input. */
export function formToObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string") {
      throw new AppError({ code: "bad_request", status: 400, ...withValues('Field "{{field}}" must be text.', { field: key }) });
    }
    if (!(key in out)) out[key] = value;
  }
  return out;
}

export async function readForm(request: Request): Promise<Record<string, string>> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw badRequest("The request body is not a valid form.");
  }
  return formToObject(form);
}

/** Reads a JSON body of at most `limit` bytes; garbage or oversize input is a 4xx, never a 500. */
export async function readJson(request: Request, limit = JSON_BODY_LIMIT): Promise<unknown> {
  const text = await readTextLimited(request, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

export async function readTextLimited(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > limit) throw payloadTooLarge(limit);
  if (!request.body) return "";
  // A declared length is the body's length (the runtime holds the client to it), so a body that
  // declared at most `limit` is read in one go; an undeclared one is counted as it streams.
  const all = request.headers.has("Content-Length")
    ? new Uint8Array(await request.arrayBuffer().catch(unreadable))
    : await readBounded(request.body, limit, () => payloadTooLarge(limit));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw badRequest("The request body is not valid UTF-8.");
  }
}

/** A body that breaks off or that a guard cut short is the client's failure: a 4xx, never a 500. */
const unreadable = (e: unknown): never => {
  throw isAppError(e) ? e : badRequest("The request body could not be read.");
};

/** All of a stream's bytes, at most `limit` of them: past that the stream is cancelled and `tooLarge()` thrown. */
export async function readBounded(stream: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(unreadable);
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

export const payloadTooLarge = (limit: number) =>
  new AppError({ code: "payload_too_large", status: 413, ...withValues("The request body is larger than {{limit}} bytes.", { limit }) });
