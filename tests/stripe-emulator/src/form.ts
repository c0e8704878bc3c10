// Decodes Stripe's bracket-nested form encoding (`a[b][0][c]=v`, `expand[]=x`)
// into plain nested values. Stripe's SDKs encode arrays with explicit indices,
// curl users often use `[]`; both must land in the same shape.
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

// Segments that would touch Object.prototype are refused rather than stored.
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

export class FormDecodeError extends Error {
  constructor(readonly param: string) {
    super(`Invalid parameter name: ${param}`);
  }
}

function splitKey(key: string): string[] | null {
  const first = key.indexOf("[");
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  const rest = key.slice(first);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m.index !== consumed) return null;
    parts.push(m[1] ?? "");
    consumed = m.index + m[0].length;
  }
  if (consumed !== rest.length) return null;
  return parts;
}

type Tree = { [key: string]: Tree | string };

function finalize(node: Tree | string): FormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  const isArray = keys.length > 0 && keys.every((k) => /^\d+$/.test(k) || k.startsWith("\u0000push"));
  if (isArray) {
    return keys
      .map((k) => ({ k, n: k.startsWith("\u0000push") ? Number(k.slice(5)) + 1e9 : Number(k) }))
      .sort((a, b) => a.n - b.n)
      .map(({ k }) => finalize(node[k] as Tree | string));
  }
  const out: FormObject = {};
  for (const k of keys) out[k] = finalize(node[k] as Tree | string);
  return out;
}

export function decodeForm(body: string): FormObject {
  const params = new URLSearchParams(body);
  const root: Tree = {};
  let pushCounter = 0;
  for (const [rawKey, value] of params) {
    if (rawKey === "") continue;
    const parts = splitKey(rawKey);
    if (!parts || parts[0] === "") throw new FormDecodeError(rawKey);
    let node: Tree = root;
    for (let i = 0; i < parts.length; i++) {
      let part = parts[i] as string;
      if (FORBIDDEN.has(part)) throw new FormDecodeError(rawKey);
      if (part === "" && i > 0) part = `\u0000push${pushCounter++}`;
      const last = i === parts.length - 1;
      if (last) {
        if (typeof node[part] === "object") throw new FormDecodeError(rawKey);
        node[part] = value;
      } else {
        const next = node[part];
        if (typeof next === "string") throw new FormDecodeError(rawKey);
        if (next === undefined) node[part] = {};
        node = node[part] as Tree;
      }
    }
  }
  return finalize(root) as FormObject;
}
