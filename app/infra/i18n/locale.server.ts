import { createCookie } from "@remix-run/cloudflare";
import { bestLocale } from "../../i18n/accept-language";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../../i18n/config";

const YEAR_S = 365 * 24 * 60 * 60;

/** The visitor's language choice (the footer's switcher), for a year. Not a secret, so not signed. */
export const langCookie = (secure: boolean) => createCookie("lang", { path: "/", sameSite: "lax", httpOnly: true, secure, maxAge: YEAR_S });

/**
 * The request's language, decided here only: the signed-in user's saved choice, then the `lang`
 * cookie, then the best match of Accept-Language among LOCALES, then English.
 */
export async function detectLocale(deps: {
  request: Request;
  saved: () => Promise<string | null | undefined>;
  secure: boolean;
}): Promise<Locale> {
  const saved = await deps.saved();
  if (isLocale(saved)) return saved;
  const cookie: unknown = await langCookie(deps.secure).parse(deps.request.headers.get("Cookie"));
  if (isLocale(cookie)) return cookie;
  return bestLocale(deps.request.headers.get("Accept-Language")) ?? DEFAULT_LOCALE;
}

/** A page's <title> in the request's language: `common:title` around the page's own key. */
export async function pageTitle(
  context: { i18n: () => Promise<{ t: (key: string, o?: Record<string, unknown>) => string }> },
  key: string,
) {
  const { t } = await context.i18n();
  return t("common:title", { page: t(key) });
}
