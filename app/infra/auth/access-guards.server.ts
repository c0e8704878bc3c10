import { type AppLoadContext, data } from "@remix-run/cloudflare";
import { isFunnelEvent } from "../../domain/analytics/funnel";
import { track } from "../../domain/analytics/track.server";
import { productGranting } from "../../domain/catalog/features.server";
import { type Access, type FeatureAccess, holdsFeature, lockedMessageFor, type ProductAccess } from "../../domain/entitlements/access";
import { type MessageI18n } from "../../domain/errors";
import { messageI18nHeaders } from "../http/action-result.server";
import { errorJson } from "../http/responses.server";
import { requireAccess, requireSession } from "./guards.server";
import { type ActiveSession } from "./session.server";

export type LockedData = {
  locked: true;
  /** The product that would unlock it (the locked page offers it), or null when nothing sold grants it. */
  product: { key: string; name: string; kind: "subscription" | "one_time" } | null;
  reason: ProductAccess["reason"] | FeatureAccess["reason"];
  message: string;
  /** The message's template and values (ADR 024), for the page to show it in the reader's language. */
  i18n?: MessageI18n;
};

/**
 * The gate of everything a feature unlocks (ADR 018): signed-out visitors go to login; anyone who
 * does not hold the feature gets a 403 naming the product that grants it, with no protected data.
 * The decision is the one access statement's (requireAccess); a refusal reads which product to offer.
 */
export async function requireFeature(
  context: AppLoadContext,
  request: Request,
  feature: string,
  opts: { api?: boolean } = {},
): Promise<{ session: ActiveSession; access: Access }> {
  const session = await requireSession(context, request, opts);
  const access = await requireAccess(context, request, opts);
  if (holdsFeature(access, feature)) return { session, access };
  const decision = access.features[feature];
  const reason = access.switchedOff ? "switched_off" : (decision?.reason ?? "no_entitlement");
  const via = decision?.via && typeof decision.via === "object" ? decision.via.productKey : null;
  const product = await productGranting({ db: context.db, feature, preferKey: via, locale: await context.locale() });
  // Locked views are counted for the funnel within the analytics limit (a reload loop writes nothing more);
  // not while the kill switch is on: it writes nothing, and a view it locks says nothing about the funnel.
  const view = `${product?.key}_locked_view`;
  if (isFunnelEvent(view) && reason !== "switched_off" && (await context.withinLimit("analytics", session.user.id))) {
    await track({
      db: context.db,
      name: view,
      userId: session.user.id,
      properties: { path: new URL(request.url).pathname.replace(/\.data$/, ""), reason, feature },
      now: context.now(),
    });
  }
  const { message, i18n } = lockedMessageFor(product?.name ?? null, reason);
  if (opts.api) throw errorJson(403, "no_access", message, undefined, messageI18nHeaders(i18n));
  throw data<LockedData>(
    {
      locked: true,
      product: product && { key: product.key, name: product.name, kind: product.kind },
      reason,
      message,
      ...(i18n ? { i18n } : {}),
    },
    { status: 403 },
  );
}
