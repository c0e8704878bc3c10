import { createRequestHandler } from "@remix-run/cloudflare";
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
import { directRoutes } from "./infra/http/direct-routes.server";
import { readConfig } from "./infra/env.server";
import { runScheduledJobs } from "./infra/scheduler.server";
import { createLoadContext } from "./load-context";
import { localizeJsonError } from "./infra/i18n/json-errors.server";

export { SeatAllocator } from "./infra/durable-objects/seat-allocator.server";

const handleRemixRequest = createRequestHandler(build);
const directRoute = directRoutes(build);

export default {
  async fetch(request, env, ctx) {
    // A fresh CSP nonce per request: the document's inline scripts carry it (load context -> entry.server).
    const config = readConfig(env);
    const policy: HeaderPolicy = {
      nonce: newNonce(),
      appIsHttps: config.appIsHttps,
      stripeApiOrigin: config.stripeApiOrigin,
      stripeJsOrigin: config.stripeJsOrigin,
    };
    if (isCrossSiteWrite(request)) {
      return withSecurityHeaders(errorJson(403, "cross_site_request", "Cross-site requests are not allowed."), policy);
    }
    if (declaredBodyTooLarge(request)) {
      return withSecurityHeaders(errorJson(413, "payload_too_large", "The request body is too large."), policy);
    }
    const guarded = limitUndeclaredBody(request);
    const context = createLoadContext({ request: guarded, env, ctx, nonce: policy.nonce });
    const direct = directRoute(guarded);
    const response = await (direct ? direct(guarded, context) : handleRemixRequest(guarded, context));
    return withSecurityHeaders(await localizeJsonError(response, context), policy);
  },

  // Cron Trigger (wrangler.toml [triggers]); locally: `wrangler dev --test-scheduled`, then GET /__scheduled.
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledJobs({ env, cron: controller.cron }));
  },
} satisfies ExportedHandler<Env>;
