import { type ActionFunctionArgs, redirect } from "@remix-run/cloudflare";
import { StartCheckoutInput, startCheckoutFor } from "../domain/billing/checkout.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { isJsonRequest, jsonResponse, parseWith, readForm, readJson } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

// JSON { priceId, quantity?, organizationName?, tenantId?, uiMode? } -> { url, intentId } (uiMode "hosted", the
// default) or { clientSecret, intentId } ("embedded", for Stripe.js); a hosted form post gets a 303 to Checkout.
export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request, { api: true });
  const json = isJsonRequest(request);
  return runJson(async () => {
    const input = parseWith(StartCheckoutInput, json ? await readJson(request) : await readForm(request));
    const result = await startCheckoutFor(context, user, input);
    return json || !("url" in result) ? jsonResponse(result) : redirect(result.url, 303);
  });
}

export const loader = () => methodNotAllowed("POST");
