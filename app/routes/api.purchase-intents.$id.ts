import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { getIntentForBuyer } from "../domain/billing/intents.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { errorJson, jsonResponse } from "../infra/http/responses.server";

// Only the buyer may see an intent; for anyone else it does not exist (404, not 403).
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { user } = await requireSession(context, request, { api: true });
  const id = params.id ?? "";
  const intent = /^int_[0-9a-z]{20}$/.test(id)
    ? await getIntentForBuyer({ db: context.db, intentId: id, userId: user.id, locale: await context.locale() })
    : null;
  if (!intent) return errorJson(404, "not_found", "No such purchase.");
  return jsonResponse({ intent }, { headers: { "Cache-Control": "private, no-store" } });
}

export const action = () => methodNotAllowed("GET");
