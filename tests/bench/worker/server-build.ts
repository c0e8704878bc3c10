// The bench's server build: the app's own build (`gatehouse-app-server-build`) with every route
// loader wrapped, so that a request the bench entry marks renders without the access check. The
// bench's wrangler config maps `gatehouse-server-build`, which app/worker.ts imports, to this file:
// the app's Worker, guards, load context, router and pages run unchanged around it.
import { type AppLoadContext, type ServerBuild } from "@remix-run/cloudflare";
import { routes as appRoutes } from "gatehouse-app-server-build";
import { decideAccess } from "../../../app/domain/entitlements/access";
import { isSecureAppUrl, lookupSession } from "../../../app/infra/auth/session.server";
import { pageReads } from "../../../app/infra/d1/page-read.server";
import { benchRequest } from "./scope";

export * from "gatehouse-app-server-build";

type Loader = NonNullable<ServerBuild["routes"][string]["module"]["loader"]>;

// One replacement per request's load context, so the root loader and the page share one lookup, as they do in the app.
const unchecked = new WeakMap<AppLoadContext, AppLoadContext>();

/**
 * The app's load context minus the access query: the session is looked up with the page's own
 * statements in one batch, as the app does (ADR 022), but without the access statement the app adds
 * to that batch on every GET, and access is granted to everything without reading D1, as for an
 * entitled user. Everything else is the app's own.
 */
function withoutAccessCheck(context: AppLoadContext, request: Request): AppLoadContext {
  let replaced = unchecked.get(context);
  if (replaced) return replaced;
  const reads = pageReads(context.db.$client);
  // As the app's: every loader of the request adds its statements before the one round trip.
  const lookupOnce = reads.once(
    () =>
      lookupSession({
        db: context.db,
        request,
        now: context.now(),
        defer: (p) => context.cloudflare.ctx.waitUntil(p.catch((e) => console.error("session touch failed", e))),
        alongside: (sessionId) => reads.alongside(sessionId),
        secure: isSecureAppUrl(context.config),
      }),
    () => true,
  );
  const session = () => lookupOnce().then((l) => l.session);
  const access = async () => ((await session()) ? decideAccess([], { now: context.now(), isSystemAdmin: true }) : null);
  const readPage: AppLoadContext["readPage"] = async (build) => {
    const { session: s, rows } = await reads.read(build, true, lookupOnce);
    if (!s) return { session: null, access: null, rows: [] };
    return { session: s, access: await access(), rows };
  };
  replaced = { ...context, session, access, readPage };
  unchecked.set(context, replaced);
  return replaced;
}

const wrap =
  (loader: Loader): Loader =>
  (args) =>
    benchRequest.getStore()?.skipAccessCheck ? loader({ ...args, context: withoutAccessCheck(args.context, args.request) }) : loader(args);

export const routes: ServerBuild["routes"] = Object.fromEntries(
  Object.entries(appRoutes).map(([id, route]) => {
    const loader = route?.module.loader;
    return [id, route && loader ? { ...route, module: { ...route.module, loader: wrap(loader) } } : route];
  }),
);
