import { type ActionFunctionArgs, redirect } from "@remix-run/cloudflare";
import { openBillingPortal } from "../domain/billing/portal.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { runJson } from "../infra/http/action-result.server";

// "Manage billing": a 303 to Stripe's billing portal for owners and admins, 403 for anyone else.
export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  return runJson(async () => {
    const { url } = await openBillingPortal({
      db: context.db,
      gateway: context.billing(),
      userId: user.id,
      slug: params.slug ?? "",
      appUrl: context.config.APP_URL,
    });
    return redirect(url, 303);
  });
}

export const loader = () => methodNotAllowed("POST");
