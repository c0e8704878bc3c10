import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { listMemberships } from "../domain/tenants/memberships.server";
import { requireAccess, requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request, { api: true });
  const [memberships, access] = await Promise.all([
    listMemberships({ db: context.db, userId: user.id }),
    requireAccess(context, request, { api: true }),
  ]);
  return jsonResponse(
    {
      user: { id: user.id, email: user.email, emailVerified: user.emailVerified, isSystemAdmin: user.isSystemAdmin },
      memberships,
      // The product view (kept for existing clients) and the features (ADR 017): what the user holds, through which entitlement, or why not.
      access: { organization: access.organization.granted, accelerator: access.accelerator.granted, features: access.features },
      entitlements: access.entitlements.map((e) => ({
        id: e.entitlementId,
        tenantId: e.tenantId,
        product: e.productKey,
        status: e.status,
        source: e.source,
        validUntil: e.validUntil,
        graceUntil: e.graceUntil,
        seatBased: e.seatBased,
        hasSeat: e.hasSeat,
        grantsAccess: e.grantsUser,
      })),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export const action = () => methodNotAllowed("GET");
