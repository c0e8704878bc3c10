import { createInstance, type i18n, type TFunction } from "i18next";
import { DEFAULT_LOCALE, type Locale, NAMESPACES, sharedOptions } from "./config";
import { resources } from "./resources.server";

/**
 * A fresh i18next instance for one request, with every namespace in memory (synchronous: no
 * backend, no awaiting). Never shared across requests, so no request can change another's language.
 */
export function createI18n(locale: Locale): i18n {
  const instance = createInstance();
  void instance.init({
    ...sharedOptions,
    lng: locale,
    fallbackLng: DEFAULT_LOCALE,
    ns: [...NAMESPACES],
    resources,
    initImmediate: false,
  });
  return instance;
}

/** A translator fixed to `locale` (emails, server messages). */
export const translatorFor = (locale: Locale): TFunction => createI18n(locale).t;
