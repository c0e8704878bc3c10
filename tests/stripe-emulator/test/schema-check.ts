// Validates what the emulator answers against the JSON Schema generated from the
// pinned SDK's types (schema-gen.ts). Every /v1 response the suite's clients receive
// is recorded; after each test the recorded bodies, and every event the emulator has
// emitted since, are checked. One invalid field fails the test that produced it.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { get } from "node:http";
import { loadStripeSchema, type StripeSchema } from "./schema-gen";

let schema: StripeSchema | null = null;
let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(def: string): ValidateFunction {
  schema ??= loadStripeSchema();
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, verbose: true, strict: false, inlineRefs: false, validateSchema: false });
    ajv.addSchema({ $id: "stripe", definitions: schema.definitions });
  }
  let v = compiled.get(def);
  if (!v) {
    v = ajv.getSchema(`stripe#/definitions/${def}`);
    if (!v) throw new Error(`schema-check: no definition ${def}`);
    compiled.set(def, v);
  }
  return v;
}

export function stripeSchema(): StripeSchema {
  schema ??= loadStripeSchema();
  return schema;
}

/** Ajv's errors as "path: problem" lines (unions are if/then per JSON type, so each names one field). */
function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => {
      const at = e.instancePath || "/";
      if (e.keyword === "additionalProperties") return `${at} has a field the API version does not: ${String(e.params.additionalProperty)}`;
      if (e.keyword === "required") return `${at} misses required field ${String(e.params.missingProperty)}`;
      if (e.keyword === "enum")
        return `${at} is ${JSON.stringify(e.data)}, not one of ${JSON.stringify(e.params.allowedValues).slice(0, 300)}`;
      return `${at} ${e.message ?? e.keyword} (is ${JSON.stringify(e.data)?.slice(0, 80)})`;
    });
}

/** Validates one JSON body from /v1 (object, deleted object, list, event or error). Returns the problems. */
export function validateStripeBody(body: unknown): string[] {
  const s = stripeSchema();
  if (!body || typeof body !== "object" || Array.isArray(body)) return ["body is not a JSON object"];
  const o = body as Record<string, unknown>;
  if ("error" in o && !("object" in o)) {
    return check(s.error, o.error).map((e) => `error${e}`);
  }
  if (o.object === "list") {
    const problems: string[] = [];
    for (const k of Object.keys(o)) if (!["object", "data", "has_more", "url"].includes(k)) problems.push(`list has unknown field ${k}`);
    if (!Array.isArray(o.data) || typeof o.has_more !== "boolean" || typeof o.url !== "string") problems.push("list envelope is malformed");
    for (const [i, item] of (Array.isArray(o.data) ? o.data : []).entries())
      problems.push(...validateStripeBody(item).map((p) => `data[${i}]: ${p}`));
    return problems;
  }
  if (o.object === "event") {
    const def = s.events[String(o.type)];
    if (!def) return [`event type ${String(o.type)} does not exist in this API version`];
    // Stripe narrows a nested hash in previous_attributes to the keys that changed, a key it did
    // not have being null; so a nested required field may be absent there and a nested value
    // null (the SDK types say Partial<X>, which is only one level deep).
    const narrowed = (e: ErrorObject) =>
      /^\/data\/previous_attributes\/[^/]+\/./.test(e.instancePath) ||
      (e.keyword === "required" && /^\/data\/previous_attributes\/./.test(e.instancePath));
    const allowed = (e: ErrorObject) => narrowed(e) && (e.keyword === "required" || (e.keyword === "type" && e.data === null));
    return check(def, o, (e) => !allowed(e)).map((e) => `${String(o.type)} ${e}`);
  }
  const def = o.deleted === true ? s.deleted[String(o.object)] : s.objects[String(o.object)];
  if (!def) return [`no schema for object ${String(o.object)}${o.deleted === true ? " (deleted)" : ""}`];
  return check(def, o).map((e) => `${String(o.object)} ${e}`);
}

function check(def: string, data: unknown, keep: (e: ErrorObject) => boolean = () => true): string[] {
  const v = validatorFor(def);
  return v(data) ? [] : describe(v.errors?.filter(keep));
}

export interface Recorded {
  what: string;
  body: unknown;
}
const recorded: Recorded[] = [];

/** Remembers one /v1 response body for the check after the current test. */
export function recordResponse(what: string, body: unknown): void {
  recorded.push({ what, body });
}

/** A fetch for Stripe.createFetchHttpClient that records every JSON body it receives. */
export function recordingFetch(): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (url.pathname.startsWith("/v1/") && (res.headers.get("content-type") ?? "").includes("json")) {
      const body: unknown = await res.clone().json();
      recordResponse(`${init?.method ?? "GET"} ${url.pathname} -> ${res.status}`, body);
    }
    return res;
  };
}

const checkedEvents = new Set<string>();

/** Every event the emulator holds that this file has not checked yet, oldest first. */
async function newEvents(baseUrl: string): Promise<unknown[]> {
  const out: Record<string, unknown>[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const list = (await getJson(`${baseUrl}/v1/events?limit=100${after ? `&starting_after=${after}` : ""}`)) as {
      data: Record<string, unknown>[];
      has_more: boolean;
    };
    let reachedChecked = false;
    for (const e of list.data) {
      if (checkedEvents.has(String(e.id))) {
        reachedChecked = true;
        break;
      }
      out.push(e);
    }
    if (reachedChecked || !list.has_more || list.data.length === 0) break;
    after = String(list.data[list.data.length - 1]?.id);
  }
  return out.reverse();
}

/** A GET on its own connection (agent: false), so the check never reuses a socket a test left behind. */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers: { authorization: "Bearer sk_test_schema_check" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

export interface CheckResult {
  checked: number;
  problems: string[];
}

/** Checks (and forgets) the recorded responses and every new event. */
export async function checkAll(baseUrl: string): Promise<CheckResult> {
  const problems: string[] = [];
  const responses = recorded.splice(0);
  for (const r of responses) for (const p of validateStripeBody(r.body)) problems.push(`${r.what}: ${p}`);
  const events = await newEvents(baseUrl);
  for (const e of events) {
    const ev = e as { id: string; type: string };
    checkedEvents.add(ev.id);
    for (const p of validateStripeBody(e)) problems.push(`event ${ev.id}: ${p}`);
  }
  return { checked: responses.length + events.length, problems };
}
