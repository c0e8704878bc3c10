// Prefixed random ids: readable in logs and audit rows, unguessable in URLs.
// 32-symbol alphabets (Crockford base32) so `byte % 32` carries no modulo bias.
const LOWER = "0123456789abcdefghjkmnpqrstvwxyz";
export const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function randomString(length: number, alphabet = LOWER): string {
  if (alphabet.length !== 32) throw new Error("randomString needs a 32-symbol alphabet");
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += alphabet[b % 32];
  return out;
}

export const newId = (prefix: string) => `${prefix}_${randomString(20)}`;
