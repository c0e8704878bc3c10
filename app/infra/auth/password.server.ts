// Password hashing with PBKDF2-SHA256 through WebCrypto (see docs/decisions/003-password-kdf.md).
// Format: pbkdf2-sha256$v1$<iterations>$<salt b64>$<hash b64>. The version lets us upgrade
// the parameters and rehash at the next successful login.

// Production Workers refuse PBKDF2 above 100,000 iterations; local workerd does not, so this is
// the ceiling, not a default to raise.
export const PBKDF2_ITERATIONS = 100_000;
const SCHEME = "pbkdf2-sha256";
const VERSION = "v1";
const SALT_BYTES = 16;
const KEY_BITS = 256;

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, KEY_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return [SCHEME, VERSION, String(iterations), b64(salt), b64(hash)].join("$");
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Returns whether `password` matches `stored`; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 5 || parts[0] !== SCHEME) return false;
  const iterations = Number(parts[2]);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) return false;
  const expected = unb64(parts[4]!);
  const actual = await derive(password, unb64(parts[3]!), iterations);
  return constantTimeEqual(actual, expected);
}

export function needsRehash(stored: string): boolean {
  const parts = stored.split("$");
  return parts[0] !== SCHEME || parts[1] !== VERSION || Number(parts[2]) !== PBKDF2_ITERATIONS;
}

// A real hash of a throwaway password: verifying against it when the email is unknown makes
// both login failures cost the same time.
export const TIMING_DUMMY_HASH = "pbkdf2-sha256$v1$100000$V89bXbEgr/sWnKphBQZENA==$L+AcdU89gJl0x1CZ0p+yIP/ilf2OdS+xdwkWW01tATU=";
