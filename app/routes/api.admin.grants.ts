import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { GrantInput, grantEntitlement } from "../domain/entitlements/grants.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, parseWith, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

const Body = GrantInput.extend({ tenantId: z.string({ error: "tenantId is required." }).min(1).max(64) });

// Admin API: POST { tenantId, productKey, seats?, validUntil?, reason } -> 201 { entitlementId }.
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context, { api: true });
  return runJson(async () => {
    const { tenantId, ...input } = parseWith(Body, await readJson(request));
    const result = await grantEntitlement({ db: context.db, adminId: user.id, tenantId, input, now: context.now() });
    return jsonResponse(result, { status: 201 });
  });
}

export async function loader({ context }: ActionFunctionArgs) {
  await requireSystemAdmin(context, { api: true });
  return methodNotAllowed("POST");
}
