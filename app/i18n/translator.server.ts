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

// What react-i18next's bound `t` passes besides the key: nothing that changes with the call.
const PLAIN_OPTIONS = new Set(["lng", "lngs", "ns", "keyPrefix"]);

/**
 * A page calls `t` a few hundred times, mostly for a fixed string (no values, no count), and each
 * call resolves namespaces and fallbacks and scans for interpolation again. On a read-only instance
 * the answer to a key without values never changes, so it is looked up once per isolate; a call
 * with any other option (values, count, defaultValue, context) is translated as always.
 */
function rememberPlainTranslations(instance: i18n): void {
  const translate = instance.t.bind(instance) as (key: unknown, options?: unknown) => unknown;
  const remembered = new Map<string, unknown>();
  const remembering = (key: unknown, options?: unknown) => {
    if (typeof key !== "string" || (options !== undefined && (typeof options !== "object" || options === null)))
      return translate(key, options);
    const o = (options ?? {}) as Record<string, unknown>;
    for (const name in o) if (o[name] !== undefined && !PLAIN_OPTIONS.has(name)) return translate(key, options);
    const id = JSON.stringify([o.lng ?? null, o.lngs ?? null, o.ns ?? null, o.keyPrefix ?? null, key]);
    if (remembered.has(id)) return remembered.get(id);
    const value = translate(key, options);
    if (remembered.size >= MAX_REMEMBERED_TRANSLATIONS) remembered.clear();
    remembered.set(id, value);
    return value;
  };
  instance.t = remembering as unknown as TFunction;
}
