import { useLocale } from "remix-i18next/react";
import { DEFAULT_LOCALE, isLocale, type Locale } from "./config";

/** The page's language (the root loader decided it, ADR 023), for money, numbers and dates through format.ts. */
export function usePageLocale(): Locale {
  const locale = useLocale();
  return isLocale(locale) ? locale : DEFAULT_LOCALE;
}
