import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { type MembershipSummary, membershipsStatement } from "../domain/tenants/memberships.server";
import { requirePage } from "../infra/auth/guards.server";
import { SESSION_USER } from "../infra/d1/page-read.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Session, access and memberships in one D1 round trip (ADR 022).
  const { session, access, rows } = await requirePage(context, request, (d1, key) => [membershipsStatement(d1, SESSION_USER, key)], {
    api: true,
  });
  const { user } = session;
  const memberships = rows[0] as MembershipSummary[];
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
