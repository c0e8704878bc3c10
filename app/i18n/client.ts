import i18next, { type BackendModule } from "i18next";
import { initReactI18next } from "react-i18next";
import { getInitialNamespaces } from "remix-i18next/client";
import { DEFAULT_LOCALE, isLocale, ROOT_NAMESPACES, sharedOptions } from "./config";

// The browser's i18next: the language the server rendered (<html lang>, from the root loader), and
// each translation file fetched as its own small chunk when first needed, so a page downloads only
// its own language's namespaces.
// Emails are rendered on the server only: their words never ship to the browser.
const files = import.meta.glob<{ default: Record<string, unknown> }>(["../locales/*/*.json", "!../locales/*/email.json"]);

const lazyFiles: BackendModule = {
  type: "backend",
  init() {},
  read(language, namespace, callback) {
    const load = files[`../locales/${language}/${namespace}.json`];
    if (!load) return callback(new Error(`No translations for ${language}/${namespace}`), false);
    load().then(
      (m) => callback(null, m.default),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e)), false),
    );
  },
};

/** Loads the namespaces the server rendered (the root's and the matched routes' `handle.i18n`) before hydration. */
export async function initClientI18n() {
  const lang = document.documentElement.lang;
  await i18next
    .use(initReactI18next)
    .use(lazyFiles)
    .init({
      ...sharedOptions,
      lng: isLocale(lang) ? lang : DEFAULT_LOCALE,
      // The key check (app/i18n/locales.test.ts) keeps every language complete, so the browser
      // never downloads English as a fallback.
      fallbackLng: false,
      ns: [...new Set([...ROOT_NAMESPACES, ...getInitialNamespaces()])],
    });
  return i18next;
}
