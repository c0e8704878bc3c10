// `gatehouse-app-server-build` is an alias (the bench's wrangler config, tests/bench/vitest.config.ts)
// for the app's real Remix server bundle, build/server/index.js. The bench maps the app's own
// `gatehouse-server-build` to ./server-build.ts, which re-exports this one with its loaders wrapped.
declare module "gatehouse-app-server-build" {
  export * from "gatehouse-server-build";
}
