import { createCookie } from "@remix-run/cloudflare";
import { RemixI18Next } from "remix-i18next/server";
import { DEFAULT_LOCALE, isLocale, type Locale, LOCALES } from "../../i18n/config";

const YEAR_S = 365 * 24 * 60 * 60;

/** The visitor's language choice (the footer's switcher), for a year. Not a secret, so not signed. */
export const langCookie = (secure: boolean) =>
  createCookie("lang", { path: "/", sameSite: "lax", httpOnly: true, secure, maxAge: YEAR_S });

/**
 * The request's language, decided here only: the signed-in user's saved choice, then the `lang`
 * cookie, then the best match of Accept-Language among LOCALES, then English.
 */
export function detectLocale(deps: { request: Request; saved: () => Promise<string | null | undefined>; secure: boolean }): Promise<Locale> {
  const detector = new RemixI18Next({
    detection: {
      supportedLanguages: [...LOCALES],
      fallbackLanguage: DEFAULT_LOCALE,
      cookie: langCookie(deps.secure),
      order: ["custom", "cookie", "header"],
      findLocale: async () => {
        const saved = await deps.saved();
        return isLocale(saved) ? saved : null;
      },
    },
  });
  return detector.getLocale(deps.request).then((l) => (isLocale(l) ? l : DEFAULT_LOCALE));
}

/** A page's <title> in the request's language: `common:title` around the page's own key. */
export async function pageTitle(context: { i18n: () => Promise<{ t: (key: string, o?: Record<string, unknown>) => string }> }, key: string) {
  const { t } = await context.i18n();
  return t("common:title", { page: t(key) });
}
