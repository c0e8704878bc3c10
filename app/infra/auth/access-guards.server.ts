import { type AppLoadContext, data } from "@remix-run/cloudflare";
import { track } from "../../domain/analytics/track.server";
import { type Access, lockedMessage, type ProductAccess, type ProductKey } from "../../domain/entitlements/access";
import { errorJson } from "../http/responses.server";
import { requireAccess, requireSession } from "./guards.server";
import { type ActiveSession } from "./session.server";

export type LockedData = { locked: true; product: ProductKey; reason: ProductAccess["reason"]; message: string };

/**
 * Entitlements decide, on the server, in every loader and action that needs them: signed-out
 * visitors go to login, everyone else without access gets a 403 that carries no protected data.
 */
export async function requireProductAccess(
  context: AppLoadContext,
  request: Request,
  product: ProductKey,
  opts: { api?: boolean } = {},
): Promise<{ session: ActiveSession; access: Access; decision: ProductAccess }> {
  const session = await requireSession(context, request, opts);
  const access = await requireAccess(context, request, opts);
  const decision = access[product];
  if (decision.granted) return { session, access, decision };
  // Locked views are counted for the funnel within the analytics limit (a reload loop writes nothing more);
  // not while the kill switch is on: it writes nothing, and a view it locks says nothing about the funnel.
  if (product === "accelerator" && decision.reason !== "switched_off" && (await context.withinLimit("analytics", session.user.id))) {
    await track({
      db: context.db,
      name: "accelerator_locked_view",
      userId: session.user.id,
      properties: { path: new URL(request.url).pathname.replace(/\.data$/, ""), reason: decision.reason },
      now: context.now(),
    });
  }
  const message = lockedMessage(product, decision.reason);
  if (opts.api) throw errorJson(403, "no_access", message);
  throw data<LockedData>({ locked: true, product, reason: decision.reason, message }, { status: 403 });
}
