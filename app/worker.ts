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
import { isolateStorefrontMemory, storefrontHit, withStorefrontCache } from "./infra/http/storefront-cache.server";
import { catalogVersion } from "./domain/catalog/public-pricing.server";
import { isolateCatalogVersions } from "./domain/catalog/catalog-version.server";
import { detectLocale } from "./infra/i18n/locale.server";
import { readConfig } from "./infra/env.server";
import { runScheduledJobs } from "./infra/scheduler.server";
import { consumeQueueBatch } from "./infra/queues/stripe-events.server";
import { requestD1 } from "./infra/d1/consistency.server";
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
    // Anonymous GETs of the pricing page and API come from the edge cache (issue 18). A hit is
    // answered here, before any D1 session, load context or language instance exists (ADR 025).
    const cache = (caches as unknown as { default: Cache }).default;
    const storefront = {
      // workerd's default cache; the DOM lib's CacheStorage type (also loaded) does not know `default`.
      cache,
      versions: isolateCatalogVersions,
      memory: isolateStorefrontMemory,
      now: Date.now(),
      nonce: policy.nonce,
      // A storefront request carries no session cookie, so no saved choice: the `lang` cookie or Accept-Language.
      locale: () => detectLocale({ request: guarded, saved: () => Promise.resolve(null), secure: config.appIsHttps }),
      release: build.assets.version,
    };
    const hit = await storefrontHit(guarded, storefront);
    if (hit) return withSecurityHeaders(hit, policy);
    // Which D1 copy this request reads, and the bookmark its answer hands back (ADR 021).
    const d1 = requestD1(env.DB, guarded, { secure: config.appIsHttps });
    const context = createLoadContext({ request: guarded, env, ctx, nonce: policy.nonce, d1: d1.d1 });
    const direct = directRoute(guarded);
    const render = (r: Request) => (direct ? direct(r, context) : handleRemixRequest(r, context));
    // A storefront miss (or no trusted catalog version) reads the version in this request's D1
    // session, then answers from the cache or renders and stores; all else renders.
    const response = await withStorefrontCache(
      guarded,
      { ...storefront, readVersion: () => catalogVersion({ db: context.db }), defer: (work) => ctx.waitUntil(work) },
      render,
    );
    return withSecurityHeaders(d1.withBookmark(await localizeJsonError(response, context)), policy);
  },

  // Cron Trigger (wrangler.toml [triggers]); locally: `wrangler dev --test-scheduled`, then GET /__scheduled.
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledJobs({ env, cron: controller.cron }));
  },

  // Queue consumer (wrangler.toml [[queues.consumers]]): verified Stripe events and their dead letters.
  async queue(batch, env) {
    await consumeQueueBatch({ env, batch });
  },
} satisfies ExportedHandler<Env>;
