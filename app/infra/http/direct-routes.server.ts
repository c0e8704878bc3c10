import { type AppLoadContext, type ServerBuild } from "@remix-run/cloudflare";
import { errorJson } from "./responses.server";

// Machine endpoints answered by their own Remix route module without Remix's router (ADR 009):
// for every request Remix matches the URL against every route twice, which costs more CPU than
// these endpoints' own work. Only these exact method + path pairs; anything else (another
// method, a trailing slash, `.data`) still goes through Remix to the same module.
const DIRECT = [
  { method: "POST", path: "/api/stripe/webhook", routeId: "routes/api.stripe.webhook", handler: "action" },
  // The alias re-exports the same action; it is answered by the same module.
  { method: "POST", path: "/api/billing/webhook", routeId: "routes/api.stripe.webhook", handler: "action" },
  { method: "GET", path: "/api/public/pricing", routeId: "routes/api.public.pricing", handler: "loader" },
] as const;

type Handler = (args: { request: Request; context: AppLoadContext; params: Record<string, string> }) => unknown;
export type DirectRoute = (request: Request, context: AppLoadContext) => Promise<Response>;

/** Resolves each direct endpoint's handler from the server build; throws at startup if one is gone. */
export function directRoutes(build: Pick<ServerBuild, "routes">): (request: Request) => DirectRoute | null {
  const table = new Map<string, DirectRoute>();
  for (const d of DIRECT) {
    const fn = build.routes[d.routeId]?.module[d.handler] as Handler | undefined;
    if (typeof fn !== "function") throw new Error(`direct route ${d.method} ${d.path}: ${d.routeId} has no ${d.handler}`);
    table.set(`${d.method} ${d.path}`, (request, context) => call(fn, request, context, d.routeId));
  }
  return (request) => table.get(`${request.method} ${new URL(request.url).pathname}`) ?? null;
}

// What Remix does with a resource route's result: a returned or thrown Response is the answer; any
// other failure is logged and becomes a 500 (as JSON here: the callers are machines).
async function call(fn: Handler, request: Request, context: AppLoadContext, routeId: string): Promise<Response> {
  try {
    const result = await fn({ request, context, params: {} });
    if (result instanceof Response) return result;
    throw new Error(`${routeId} returned something other than a Response`);
  } catch (e) {
    if (e instanceof Response) return e;
    console.error(`${request.method} ${new URL(request.url).pathname} failed`, e);
    return errorJson(500, "internal_error", "Something went wrong on our side. Try again later.");
  }
}
