import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { getPublicPricing } from "../domain/catalog/public-pricing.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse } from "../infra/http/responses.server";

// Anonymous and cacheable: only published products and prices, identical for every visitor of a
// language (names and descriptions follow the visitor's language, ADR 026), so caches keep one copy
// per language: the storefront cache keys by it, others are told by Vary.
export async function loader({ context }: LoaderFunctionArgs) {
  const locale = await context.locale();
  const pricing = await getPublicPricing({ db: context.db, locale });
  return jsonResponse(pricing, {
    headers: {
      "Cache-Control": "public, max-age=60, s-maxage=300, stale-while-revalidate=600",
      "Content-Language": locale,
      Vary: "Accept-Language, Cookie",
    },
  });
}

export const action = () => methodNotAllowed("GET");
