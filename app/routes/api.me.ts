import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { listMemberships } from "../domain/tenants/memberships.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request, { api: true });
  const memberships = await listMemberships({ db: context.db, userId: user.id });
  return jsonResponse(
    { user: { id: user.id, email: user.email, isSystemAdmin: user.isSystemAdmin }, memberships },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export const action = () => methodNotAllowed("GET");
