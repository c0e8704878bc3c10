import { INTL_LOCALES, type Locale } from "./config";

// Money, numbers and dates through Intl in the active language: `€499` in English, `499 €` in
// Swedish and French; `2 Jan 2027`, `2 jan. 2027`, `2 janv. 2027`. Times are shown in UTC, as stored.

// Building an Intl formatter loads ICU data and costs far more than formatting with it (a dashboard
// with a few dates spent 7% of its CPU in DateTimeFormat's constructor): each (language, options)
// pair is built once per isolate and reused. Formatters hold no state between calls.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(INTL_LOCALES[locale], options)));
  return f;
}

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(INTL_LOCALES[locale], options)));
  return f;
}

/** An amount in minor units (cents): whole amounts without decimals, others with two. */
export function formatMoney(amountMinor: number, currency: string, locale: Locale): string {
  return numberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: amountMinor % 100 === 0 ? 0 : 2,
  }).format(amountMinor / 100);
}

export function formatNumber(value: number, locale: Locale): string {
  return numberFormat(locale).format(value);
}

/** A day: `short` is 2 Jan 2027 / 2 jan. 2027 / 2 janv. 2027, `long` spells the month out. */
export function formatDate(ms: number, locale: Locale, month: "short" | "long" = "short"): string {
  return dateFormat(locale, { day: "numeric", month, year: "numeric", timeZone: "UTC" }).format(ms);
}

/** A moment to the minute, in UTC as stored: 2 Jan 2027, 09:05 / 2 jan. 2027 09:05 / 2 janv. 2027, 09:05. */
export function formatDateTime(ms: number, locale: Locale): string {
  return dateFormat(locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: "UTC",
  }).format(ms);
}

// French writes octets (Ko, Mo); Swedish writes kB.
const BYTE_UNITS: Record<Locale, [string, string, string]> = { en: ["B", "KB", "MB"], sv: ["B", "kB", "MB"], fr: ["o", "Ko", "Mo"] };

/** A file size for people: 512 B, 4.9 KB, 12.3 MB in English; 12,3 MB in Swedish, 12,3 Mo in French. */
export function formatBytes(n: number, locale: Locale): string {
  const [b, kb, mb] = BYTE_UNITS[locale];
  const one = (v: number) => numberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);
  if (n < 1024) return `${n} ${b}`;
  if (n < 1024 * 1024) return `${one(n / 1024)} ${kb}`;
  return `${one(n / 1024 / 1024)} ${mb}`;
}
