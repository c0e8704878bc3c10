// Typed readers over a decoded form body. Every endpoint declares the params it models; a param
// Stripe has (per the SDK's types, src/stripe-spec.ts) but the endpoint does not model is accepted,
// its nested names checked, and recorded (GET /_emulator/unmodeled); a name Stripe does not have
// fails like Stripe (400 parameter_unknown) instead of being silently ignored.
import { emptyParam, invalidParam, missingParam, unknownParam } from "./errors";
import { type FormObject, type FormValue } from "./form";
import { type ParamTree } from "./stripe-spec";

const own = (tree: ParamTree, key: string): ParamTree | 1 | undefined => (Object.hasOwn(tree, key) ? tree[key] : undefined);

/** Refuses, as Stripe does, any name inside `value` that Stripe's parameter `tree` does not have. */
function checkNames(value: FormValue, tree: ParamTree | 1, name: string): void {
  if (tree === 1 || typeof value === "string") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkNames(v, tree, `${name}[${i}]`));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const sub = own(tree, k);
    if (sub === undefined) throw unknownParam(`${name}[${k}]`);
    checkNames(v, sub, `${name}[${k}]`);
  }
}

export class Params {
  /**
   * @param spec Stripe's parameter names at this level (null: only the modelled ones exist)
   * @param unmodeled shared by a request's Params: the real Stripe params it sent that were not modelled
   */
  constructor(
    readonly raw: FormObject,
    private readonly prefix = "",
    private readonly spec: ParamTree | null = null,
    readonly unmodeled: string[] = [],
  ) {}

  private name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  private sub(key: string): ParamTree | null {
    const s = this.spec ? own(this.spec, key) : undefined;
    return s === undefined || s === 1 ? null : s;
  }

  /** The modelled params at this level (plus `expand`); see allowOnly. */
  allow(...keys: string[]): this {
    return this.allowOnly(...keys, "expand");
  }

  /** Anything else Stripe has is recorded as unmodelled; anything Stripe does not have is refused. */
  allowOnly(...keys: string[]): this {
    const allowed = new Set(keys);
    for (const [k, v] of Object.entries(this.raw)) {
      if (allowed.has(k)) continue;
      const known = this.spec ? own(this.spec, k) : undefined;
      if (known === undefined) throw unknownParam(this.name(k));
      checkNames(v, known, this.name(k));
      this.unmodeled.push(this.name(k));
    }
    return this;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  value(key: string): FormValue | undefined {
    return this.raw[key];
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw invalidParam(this.name(key), `Invalid string: ${this.name(key)} must be a string.`);
    if (v.length > 5000) throw invalidParam(this.name(key), `Invalid string: ${this.name(key)} is too long (max 5000).`);
    return v;
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined) throw missingParam(this.name(key));
    if (v === "") throw emptyParam(this.name(key));
    return v;
  }

  /** Empty string means "unset" in Stripe's form encoding. */
  nullableStr(key: string): string | null | undefined {
    const v = this.str(key);
    if (v === "") return null;
    return v;
  }

  int(key: string, min = 0, max = 99_999_999_999): number | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(v)) throw invalidParam(this.name(key), `Invalid integer: ${v}`, "parameter_invalid_integer");
    const n = Number(v);
    if (n < min || n > max)
      throw invalidParam(
        this.name(key),
        `Invalid integer: ${this.name(key)} must be between ${min} and ${max}.`,
        "parameter_invalid_integer",
      );
    return n;
  }

  reqInt(key: string, min = 0, max = 99_999_999_999): number {
    const v = this.int(key, min, max);
    if (v === undefined) throw missingParam(this.name(key));
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (v === "true") return true;
    if (v === "false") return false;
    throw invalidParam(this.name(key), `Invalid boolean: ${v}`);
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v))
      throw invalidParam(this.name(key), `Invalid ${this.name(key)}: must be one of ${values.join(", ")}`);
    return v as T;
  }

  obj(key: string): Params | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === "") return new Params({}, this.name(key), this.sub(key), this.unmodeled);
    if (typeof v !== "object" || Array.isArray(v)) throw invalidParam(this.name(key), `Invalid object: ${this.name(key)} must be a hash.`);
    return new Params(v, this.name(key), this.sub(key), this.unmodeled);
  }

  list(key: string): Params[] | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === "") return [];
    const arr = Array.isArray(v) ? v : typeof v === "object" ? null : null;
    if (!arr) throw invalidParam(this.name(key), `Invalid array: ${this.name(key)} must be an array.`);
    return arr.map((item, i) => {
      if (typeof item !== "object" || Array.isArray(item))
        throw invalidParam(`${this.name(key)}[${i}]`, `Invalid object: ${this.name(key)}[${i}] must be a hash.`);
      return new Params(item, `${this.name(key)}[${i}]`, this.sub(key), this.unmodeled);
    });
  }

  strList(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v === "string") return v === "" ? [] : [v];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      throw invalidParam(this.name(key), `Invalid array: ${this.name(key)} must be an array of strings.`);
    return v;
  }

  /** Stripe metadata: string values, empty string deletes the key. */
  metadata(key = "metadata", current: Record<string, string> = {}): Record<string, string> | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === "") return {};
    if (typeof v !== "object" || Array.isArray(v)) throw invalidParam(this.name(key), `Invalid object: ${this.name(key)} must be a hash.`);
    const out = { ...current };
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== "string") throw invalidParam(`${this.name(key)}[${k}]`, `Invalid metadata value for ${k}.`);
      if (val === "") delete out[k];
      else out[k] = val;
    }
    if (Object.keys(out).length > 50) throw invalidParam(this.name(key), "Metadata can have at most 50 keys.");
    return out;
  }

  expand(): string[] {
    return this.strList("expand") ?? [];
  }

  /** Stripe range filters such as created[gte]=... or created=123. */
  range(key: string): { gte?: number; gt?: number; lte?: number; lt?: number } | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v === "string") {
      const n = this.int(key, 0, 1e12);
      return { gte: n, lte: n };
    }
    const o = this.obj(key) as Params;
    o.allowOnly("gte", "gt", "lte", "lt");
    return { gte: o.int("gte", 0, 1e12), gt: o.int("gt", 0, 1e12), lte: o.int("lte", 0, 1e12), lt: o.int("lt", 0, 1e12) };
  }
}
