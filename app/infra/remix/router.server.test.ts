import type * as Router from "@remix-run/router";
import { existsSync, readFileSync } from "node:fs";
import { expect, test } from "vitest";
import * as routerFile from "../../../node_modules/@remix-run/router/dist/router.js";
import { matchRoutes, MAX_REMEMBERED_PATHS, rememberedPathCount } from "./router.server";

// The router's ES module by path, as the Worker's copy imports it (under node, the package name
// resolves to its CommonJS build, which nothing here patches or installs into).
const router = routerFile as unknown as typeof Router & { GATEHOUSE_ownMatchRoutes: typeof Router.matchRoutes };
const { createStaticHandler, matchRoutes: packageMatchRoutes } = router;
// What the router itself answers, past any installed matcher (our patch's second function, ADR 030).
const realMatchRoutes = router.GATEHOUSE_ownMatchRoutes;

// The Worker's matchRoutes (ADR 027) must answer exactly what @remix-run/router answers, around the
// caller's own route objects, however often it is asked.

type Route = Router.AgnosticRouteObject;

/** A route tree shaped like the app's: a root layout, index routes, params, an optional segment, a splat. */
const tree = (): Route[] => [
  {
    id: "root",
    path: "",
    children: [
      { id: "routes/_index", index: true },
      { id: "routes/dashboard", path: "dashboard" },
      { id: "routes/pricing", path: "pricing" },
      {
        id: "routes/org.$slug",
        path: "org/:slug",
        children: [
          { id: "routes/org.$slug._index", index: true },
          { id: "routes/org.$slug.members", path: "members" },
          { id: "routes/org.$slug.roadmap.$itemId", path: "roadmap/:itemId" },
        ],
      },
      { id: "routes/accelerator.$", path: "accelerator/*" },
      { id: "routes/($lang).about", path: ":lang?/about" },
      { id: "routes/Admin", path: "Admin", caseSensitive: true },
      { id: "routes/$", path: "*" },
    ],
  },
];

const PATHS = [
  "/",
  "/dashboard",
  "/dashboard/",
  "/pricing?interval=year#top",
  "/org/acme",
  "/org/acme/members",
  "/org/ACME%20AB/members",
  "/org/acme/roadmap/item_1",
  "/accelerator/foundations/pay-first",
  "/accelerator",
  "/about",
  "/sv/about",
  "/Admin",
  "/admin",
  "/no/such/page",
  "/org/%E0%A4%A/members",
];

const shape = (matches: ReturnType<typeof realMatchRoutes>) =>
  matches?.map((m) => ({ id: m.route.id, params: m.params, pathname: m.pathname, pathnameBase: m.pathnameBase })) ?? null;

test("every path matches as @remix-run/router matches it, the first time and every time after", () => {
  const routes = tree();
  for (const path of PATHS) {
    const expected = shape(realMatchRoutes(routes, path));
    expect(shape(matchRoutes(routes, path)), path).toEqual(expected);
    expect(shape(matchRoutes(routes, path)), `${path}, remembered`).toEqual(expected);
    expect(shape(matchRoutes(routes, { pathname: path.split(/[?#]/)[0]! })), `${path} as a location`).toEqual(expected);
  }
  expect(shape(matchRoutes(routes, "/app/dashboard", "/app"))).toEqual(shape(realMatchRoutes(routes, "/app/dashboard", "/app")));
  expect(matchRoutes(routes, "/elsewhere/dashboard", "/app")).toBeNull();
});

test("a remembered match hands back the caller's own route objects and fresh params", () => {
  const first = tree();
  const a = matchRoutes(first, "/org/acme/members")!;
  (a[0]!.params as Record<string, string>).slug = "changed by a caller";
  // Remix builds new route objects from the same manifest for each request: same shape, other objects.
  const second = tree();
  const b = matchRoutes(second, "/org/acme/members")!;
  expect(b.map((m) => m.route)).toEqual([second[0], second[0]!.children![3], second[0]!.children![3]!.children![1]]);
  expect(b[2]!.route).toBe(second[0]!.children![3]!.children![1]);
  expect(b[2]!.route).not.toBe(first[0]!.children![3]!.children![1]);
  expect(b[2]!.params).toEqual({ slug: "acme" });
});

test("a tree of another shape is not answered from another tree's memory", () => {
  matchRoutes(tree(), "/pricing");
  const other: Route[] = [{ id: "root", path: "", children: [{ id: "routes/pricing", path: "prices" }] }];
  expect(matchRoutes(other, "/pricing")).toBeNull();
  expect(shape(matchRoutes(other, "/prices"))).toEqual(shape(realMatchRoutes(other, "/prices")));
});

test("routes without ids are matched without memory", () => {
  const anonymous = [{ path: "/", children: [{ path: "dashboard" }] }];
  expect(matchRoutes(anonymous, "/dashboard")?.map((m) => m.route)).toEqual(realMatchRoutes(anonymous, "/dashboard")?.map((m) => m.route));
});

test("past the limit of remembered paths, matching still answers right", () => {
  const routes = tree();
  for (let i = 0; i <= MAX_REMEMBERED_PATHS + 10; i++) matchRoutes(routes, `/org/tenant-${i}/members`);
  expect(shape(matchRoutes(routes, "/org/tenant-1/members"))).toEqual(shape(realMatchRoutes(routes, "/org/tenant-1/members")));
  expect(shape(matchRoutes(routes, "/dashboard"))).toEqual(shape(realMatchRoutes(routes, "/dashboard")));
});

test("the package's own matchRoutes, which the static handler calls from inside, goes through the memory once installed", async () => {
  const routes = tree();
  const unique = `/org/static-${crypto.randomUUID()}/members`;
  const before = rememberedPathCount();
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request(`https://app.test${unique}`));
  if (context instanceof Response) throw new Error("the static handler answered a Response");
  expect(context.matches.map((m) => m.route.id)).toEqual(["root", "routes/org.$slug", "routes/org.$slug.members"]);
  expect(rememberedPathCount()).toBe(before + 1);
  // The same path again, through the handler and through the package's export: nothing new to remember.
  await handler.query(new Request(`https://app.test${unique}`));
  expect(shape(packageMatchRoutes(routes, unique))).toEqual(shape(realMatchRoutes(routes, unique)));
  expect(rememberedPathCount()).toBe(before + 1);
  packageMatchRoutes(routes, `${unique}-other`);
  expect(rememberedPathCount()).toBe(before + 2);
});

test("the Worker bundle gets this module wherever it imports @remix-run/router", () => {
  const toml = readFileSync(new URL("../../../wrangler.toml", import.meta.url), "utf8");
  const alias = /^"@remix-run\/router" = "(.+)"$/m.exec(toml.slice(toml.indexOf("[alias]")))?.[1];
  expect(alias).toBe("./app/infra/remix/router.server.ts");
  expect(existsSync(new URL(`../../../${alias}`, import.meta.url))).toBe(true);
});
