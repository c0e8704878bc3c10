/** A URL-safe slug of a display name: ASCII letters and digits joined by "-", accents dropped, at most `max` characters. */
export function slugify(name: string, opts: { max: number; fallback: string }): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, opts.max)
    .replace(/-+$/, "");
  return base || opts.fallback;
}
