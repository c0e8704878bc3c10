import { createInstance, type i18n, type TFunction } from "i18next";
import { DEFAULT_LOCALE, type Locale, NAMESPACES, sharedOptions } from "./config";
import { resources } from "./resources.server";

// One i18next instance per language per isolate (ADR 027, superseding 023's instance per request):
// the resources are static JSON and the language is fixed when the instance is made, so an instance
// is read-only after init, and building one per request was a tenth of a page's CPU. Nothing may
// change an instance's language (changeLanguage throws), so no request can change another's.
const instances = new Map<Locale, i18n>();

/** The read-only i18next instance of `locale`, every namespace in memory (synchronous: no backend, no awaiting). */
export function i18nFor(locale: Locale): i18n {
  let instance = instances.get(locale);
  if (!instance) {
    instance = createInstance();
    void instance.init({
      ...sharedOptions,
      lng: locale,
      fallbackLng: DEFAULT_LOCALE,
      ns: [...NAMESPACES],
      resources,
      initImmediate: false,
    });
    instance.changeLanguage = () => {
      throw new Error(`the ${locale} i18next instance is shared by every request: its language cannot change`);
    };
    rememberPlainTranslations(instance);
    instances.set(locale, instance);
  }
  return instance;
}

/** A translator fixed to `locale` (emails, server messages). */
export const translatorFor = (locale: Locale): TFunction => i18nFor(locale).t;

/** The most plain translations one instance remembers; past it the memory starts again. */
export const MAX_REMEMBERED_TRANSLATIONS = 5_000;

// Options whose answer is an object a caller could change: never shared between calls.
const OBJECT_ANSWERS = new Set(["returnObjects", "returnDetails"]);

// A value that is plain data (or a list of strings, for lngs and ns) decides the answer alone, and
// JSON tells any two apart (no NaN or Infinity, which JSON would write as null).
const plainValue = (value: unknown) =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value)) ||
  (Array.isArray(value) && value.every((v) => typeof v === "string"));

/**
 * A page calls `t` a few hundred times, and each call resolves namespaces, fallbacks and plurals
 * and interpolates again. On a read-only instance the answer to a key never changes for the same
 * plain options (language, namespace, values, count, context, default), so it is looked up once
 * per isolate (at most MAX_REMEMBERED_TRANSLATIONS answers, then the memory starts again). A call
 * with any other option (an object, a function, an answer that is an object) is translated as always.
 */
function rememberPlainTranslations(instance: i18n): void {
  const translate = instance.t.bind(instance) as (key: unknown, options?: unknown) => unknown;
  const remembered = new Map<string, unknown>();
  const remembering = (key: unknown, options?: unknown) => {
    if (typeof key !== "string" || (options !== undefined && (typeof options !== "object" || options === null)))
      return translate(key, options);
    const o = (options ?? {}) as Record<string, unknown>;
    for (const name in o) {
      const value = o[name];
      if (value !== undefined && (OBJECT_ANSWERS.has(name) || !plainValue(value))) return translate(key, options);
    }
    const id = JSON.stringify(options === undefined ? [key] : [key, o]);
    if (remembered.has(id)) return remembered.get(id);
    const value = translate(key, options);
    if (remembered.size >= MAX_REMEMBERED_TRANSLATIONS) remembered.clear();
    remembered.set(id, value);
    return value;
  };
  instance.t = remembering as unknown as TFunction;
}
