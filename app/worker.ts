import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import * as build from "gatehouse-server-build";
import { errorJson } from "./infra/http/responses.server";
import {
  declaredBodyTooLarge,
  type HeaderPolicy,
  isCrossSiteWrite,
  limitUndeclaredBody,
  newNonce,
  withSecurityHeaders,
} from "./infra/http/guards.server";
import { countingD1 } from "./infra/d1/counting.server";
import { directRoutes } from "./infra/http/direct-routes.server";
import { benchCeiling } from "./infra/bench.server";
import { isBenchMode, readConfig } from "./infra/env.server";
import { runScheduledJobs } from "./infra/scheduler.server";
import { createLoadContext } from "./load-context";

export { SeatAllocator } from "./infra/durable-objects/seat-allocator.server";

const handleRemixRequest = createRequestHandler(build as unknown as ServerBuild);
const directRoute = directRoutes(build);

const withD1Counts = (response: Response, d1: ReturnType<typeof countingD1> | null): Response => {
  if (d1) {
    response.headers.set("X-D1-Queries", String(d1.count()));
    response.headers.set("X-D1-Wait-Ms", String(d1.waitedMs()));
  }
  return response;
};

export default {
  async fetch(request, env, ctx) {
    // BENCH_MODE only: count this request's D1 statements (and their wait) in response headers,
    // and answer the ceilings for `npm run bench` (bare Worker, one D1 read, one D1 write).
    const d1 = isBenchMode(env) ? countingD1(env.DB) : null;
    const ceiling = d1 ? await benchCeiling(request, { DB: d1.db }) : null;
    if (ceiling) return withD1Counts(ceiling, d1);
    // A fresh CSP nonce per request: the document's inline scripts carry it (load context -> entry.server).
    const config = readConfig(env);
    const policy: HeaderPolicy = { nonce: newNonce(), appUrl: config.APP_URL, stripeApiBase: config.STRIPE_API_BASE };
    if (isCrossSiteWrite(request)) {
      return withSecurityHeaders(errorJson(403, "cross_site_request", "Cross-site requests are not allowed."), policy);
    }
    if (declaredBodyTooLarge(request)) {
      return withSecurityHeaders(errorJson(413, "payload_too_large", "The request body is too large."), policy);
    }
    const guarded = limitUndeclaredBody(request);
    const context = createLoadContext({ request: guarded, env, ctx, d1: d1?.db, nonce: policy.nonce });
    const direct = directRoute(guarded);
    const response = withSecurityHeaders(await (direct ? direct(guarded, context) : handleRemixRequest(guarded, context)), policy);
    return withD1Counts(response, d1);
  },

  // Cron Trigger (wrangler.toml [triggers]); locally: `wrangler dev --test-scheduled`, then GET /__scheduled.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledJobs({ env, cron: controller.cron }));
  },
} satisfies ExportedHandler<Env>;
