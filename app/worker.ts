import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import * as build from "gatehouse-server-build";
import { errorJson } from "./infra/http/responses.server";
import {
  declaredBodyTooLarge,
  isCrossSiteWrite,
  limitUndeclaredBody,
  withSecurityHeaders,
} from "./infra/http/guards.server";
import { createLoadContext } from "./load-context";

export { SeatAllocator } from "./infra/durable-objects/seat-allocator.server";

const handleRemixRequest = createRequestHandler(build as unknown as ServerBuild);

export default {
  async fetch(request, env, ctx) {
    if (isCrossSiteWrite(request)) {
      return withSecurityHeaders(errorJson(403, "cross_site_request", "Cross-site requests are not allowed."));
    }
    if (declaredBodyTooLarge(request)) {
      return withSecurityHeaders(errorJson(413, "payload_too_large", "The request body is too large."));
    }
    const guarded = limitUndeclaredBody(request);
    const response = await handleRemixRequest(guarded, createLoadContext({ request: guarded, env, ctx }));
    return withSecurityHeaders(response);
  },
} satisfies ExportedHandler<Env>;
