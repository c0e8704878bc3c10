import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { revokeEntitlement, RevokeInput } from "../domain/entitlements/grants.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, parseWith, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

// Admin API: POST { reason, confirmStripe? } -> 200; 409 confirmation_required for Stripe-backed ones.
export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context, { api: true });
  return runJson(async () => {
    const input = parseWith(RevokeInput, await readJson(request));
    await revokeEntitlement({ db: context.db, adminId: user.id, entitlementId: params.id ?? "", input, now: context.now() });
    return jsonResponse({ revoked: true });
  });
}

export async function loader({ context }: ActionFunctionArgs) {
  await requireSystemAdmin(context, { api: true });
  return methodNotAllowed("POST");
}
