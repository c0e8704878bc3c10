import { type Locale, LOCALES } from "./config";

/**
 * The best of our languages for an Accept-Language header: by the client's q-values, each entry
 * matched on its primary subtag (sv-SE is sv), "*" and unknown languages skipped; null when none fit.
 * (remix-i18next 6 matches only the client's first language, so "de, fr;q=0.5" would be English.)
 */
export function bestLocale(header: string | null | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(",")
    .slice(0, 32)
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find(Boolean);
      const quality = q === undefined ? 1 : Number(q);
      return { lang: tag.trim().toLowerCase().split("-")[0] ?? "", quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((r) => r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { lang } of ranked) if ((LOCALES as readonly string[]).includes(lang)) return lang as Locale;
  return null;
}
