import { z } from "zod";

// The languages Gatehouse speaks, and the i18next options the server and the browser share
// (ADR 023). Translation files live in app/locales/<locale>/<namespace>.json.

export const LOCALES = ["en", "sv", "fr"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** Each language named in itself, as the switcher offers it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", sv: "Svenska", fr: "Français" };

/** The Intl locale behind each language: euros are the product's currency, so English is Irish English (€499, 2 Jan 2027). */
export const INTL_LOCALES: Record<Locale, string> = { en: "en-IE", sv: "sv-SE", fr: "fr-FR" };

export const isLocale = (value: unknown): value is Locale => typeof value === "string" && (LOCALES as readonly string[]).includes(value);

/** A language choice from a form or a JSON body: one of LOCALES, nothing else. */
export const LocaleSchema = z.enum(LOCALES, { error: "Choose English, Svenska or Français." });

/**
 * The namespaces: `common` (layout, shared components), `messages` (the server's own messages,
 * keyed by their English text, see messages.ts), one per area of pages (`admin`: the admin console),
 * and `email` (server only).
 */
export const NAMESPACES = ["common", "messages", "auth", "account", "orgs", "billing", "admin", "email"] as const;
export type Namespace = (typeof NAMESPACES)[number];

/** Every page needs these: the layout's and the shared components' words, and the server's messages. */
export const ROOT_NAMESPACES: Namespace[] = ["common", "messages"];

export const sharedOptions = {
  supportedLngs: [...LOCALES],
  defaultNS: "common",
  // React escapes what it renders; emails escape their own HTML.
  interpolation: { escapeValue: false },
} as const;

/** An email's language: the recipient's saved choice, else the language of the request that caused it, else English. */
export const recipientLocale = (saved: string | null | undefined, requestLocale?: Locale): Locale =>
  isLocale(saved) ? saved : (requestLocale ?? DEFAULT_LOCALE);
