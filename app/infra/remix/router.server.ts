// The Worker's copy of @remix-run/router, with route matching remembered per path (ADR 027, 030).
//
// Remix matches a request's path against every route four times per document request (the request
// handler, the static handler, the static router's <Routes>, and <Scripts>'s partial manifest), and
// @remix-run/router flattens, ranks and compiles every route's pattern to a RegExp each time: a
// sixth of /dashboard's CPU. wrangler.toml's [alias] points "@remix-run/router" here for the Worker
// bundle (and tests/vitest.config.ts does the same in workerd), so every importer gets this module:
// the real router, whose `matchRoutes` is replaced by one that remembers, per route tree and path,
// which routes matched with which params, and hands back fresh match objects around the caller's own
// route objects. The static handler calls the router's matchRoutes from inside the package, where
// no export reaches; our patch of the package (.config/patches, ADR 030) lets this module install
// the remembering matcher there too. The browser bundle installs nothing and matches as before.
import type * as RouterModule from "@remix-run/router";
import * as module from "../../../node_modules/@remix-run/router/dist/router.js";

export * from "../../../node_modules/@remix-run/router/dist/router.js";

// The file by path (the alias does not apply to it); its declarations are the package's index.d.ts,
// plus the two functions our patch adds.
type MatchRoutes = typeof RouterModule.matchRoutes;
const real = module as unknown as typeof RouterModule & {
  GATEHOUSE_installMatchRoutes: (fn: typeof matchRoutes | null) => void;
  GATEHOUSE_ownMatchRoutes: MatchRoutes;
};

type Route = { id?: string; path?: string; index?: boolean; caseSensitive?: boolean; children?: Route[] };
type Match = { params: Record<string, string | undefined>; pathname: string; pathnameBase: string; route: Route };
type Remembered = { id: string; params: Record<string, string | undefined>; pathname: string; pathnameBase: string };
type Tree = { key: number; byId: Map<string, Route> } | null;

/** The most paths remembered; past it the memory starts again (a crawler of unique paths costs a re-match, never memory). */
export const MAX_REMEMBERED_PATHS = 2_000;

const trees = new WeakMap<object, Tree>();
const shapes = new Map<string, number>();
const remembered = new Map<string, Remembered[] | null>();

/**
 * A route tree's shape (ids, paths, index and case flags, nesting) as a small number: Remix builds
 * new route objects from the same manifest for every request, and all of them share one shape.
 * null when a route has no id (nothing to find it by): such trees are matched without memory.
 */
function treeOf(routes: Route[]): Tree {
  if (trees.has(routes)) return trees.get(routes)!;
  const byId = new Map<string, Route>();
  let shape = "";
  let ok = true;
  const walk = (list: Route[]) => {
    shape += "[";
    for (const r of list) {
      if (typeof r.id !== "string" || byId.has(r.id)) ok = false;
      else byId.set(r.id, r);
      shape += `${JSON.stringify([r.id, r.path ?? null, r.index === true, r.caseSensitive === true])}`;
      if (r.children?.length) walk(r.children);
    }
    shape += "]";
  };
  walk(routes);
  let key = shapes.get(shape);
  if (key === undefined) shapes.set(shape, (key = shapes.size));
  const tree = ok ? { key, byId } : null;
  trees.set(routes, tree);
  return tree;
}

export function matchRoutes(
  routes: Parameters<typeof real.matchRoutes>[0],
  locationArg: Parameters<typeof real.matchRoutes>[1],
  basename?: string,
): ReturnType<typeof real.matchRoutes> {
  const tree = treeOf(routes);
  if (!tree) return real.GATEHOUSE_ownMatchRoutes(routes, locationArg, basename);
  const pathname = (typeof locationArg === "string" ? real.parsePath(locationArg).pathname : locationArg.pathname) || "/";
  const key = `${tree.key}\u0000${basename ?? ""}\u0000${pathname}`;
  let found = remembered.get(key);
  if (found === undefined) {
    const matches = real.GATEHOUSE_ownMatchRoutes(routes, locationArg, basename) as Match[] | null;
    found = matches && matches.map((m) => ({ id: m.route.id!, params: m.params, pathname: m.pathname, pathnameBase: m.pathnameBase }));
    if (remembered.size >= MAX_REMEMBERED_PATHS) remembered.clear();
    remembered.set(key, found);
  }
  if (!found) return null;
  return found.map((m) => ({
    params: { ...m.params },
    pathname: m.pathname,
    pathnameBase: m.pathnameBase,
    route: tree.byId.get(m.id)!,
  })) as ReturnType<typeof real.matchRoutes>;
}

// Every full match in this copy of the router, the static handler's included, goes through the memory.
if (typeof real.GATEHOUSE_installMatchRoutes !== "function") {
  // node_modules installed without its postinstall step (npm's --ignore-scripts, say).
  throw new Error("@remix-run/router is not patched: run `npm install` (its postinstall applies .config/patches, ADR 030)");
}
real.GATEHOUSE_installMatchRoutes(matchRoutes);

/** How many paths are remembered now (tests). */
export const rememberedPathCount = () => remembered.size;
