const BASE = "http://gatehouse.invalid";

// Controls, backslashes and their percent-encodings: browsers read "\" as "/", and a path
// segment that decodes to "/" or "\" can become "//host" once something decodes it again.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHAR = /[\u0000-\u001f\u007f\\]/;
const ENCODED_SEPARATOR = /%(2f|5c)/i;

/** Only same-site paths are followed, decided on the value returned; anything else is `fallback`. */
export function safeRedirect(to: unknown, fallback = "/dashboard"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > 2048) return fallback;
  if (!isSafePath(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  // URL normalisation ("/..//evil.example" -> "//evil.example") can make a safe-looking value
  // unsafe: the value returned is checked again, whole.
  const out = url.pathname + url.search + url.hash;
  return isSafePath(out) && new URL(out, BASE).origin === BASE ? out : fallback;
}

function isSafePath(path: string): boolean {
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return false;
  if (UNSAFE_CHAR.test(path)) return false;
  // The path without its query and fragment: an encoded separator or dot segment there is never
  // a page of ours, and a later decode could turn it into "//host" or "/\host".
  const pathname = path.split(/[?#]/, 1)[0]!;
  if (ENCODED_SEPARATOR.test(pathname) || /%2e/i.test(pathname)) return false;
  return true;
}
