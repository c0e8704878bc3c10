import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { getPublicPricing } from "../domain/catalog/public-pricing.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

// Anonymous and cacheable: only published products and prices, identical for every visitor.
export async function loader({ context }: LoaderFunctionArgs) {
  const pricing = await getPublicPricing({ db: context.db });
  return jsonResponse(pricing, {
    headers: { "Cache-Control": "public, max-age=60, s-maxage=300, stale-while-revalidate=600" },
  });
}

export const action = () => methodNotAllowed("GET");
