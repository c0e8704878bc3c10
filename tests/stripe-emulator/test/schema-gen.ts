// Generates JSON Schema for Stripe's API objects from the pinned SDK's own type
// declarations (node_modules/stripe, which Stripe generates from its OpenAPI spec for
// the API version the SDK pins), with the TypeScript compiler API. Offline, and cached
// under node_modules/.cache keyed by the SDK version and this file's content.
//
// Two deliberate choices make the schema stricter than the types read:
// - every object schema has additionalProperties: false, so a field the version does
//   not have (e.g. a removed top-level invoice.subscription) fails;
// - `OtherString` (the SDK's `string & {}` "unknown future enum value" escape) is
//   dropped from enum unions, so `ui_mode: "hosted"` fails where the version says
//   `hosted_page`.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export type JsonSchema = Record<string, unknown>;

export interface StripeSchema {
  sdkVersion: string;
  apiVersion: string;
  definitions: Record<string, JsonSchema>;
  /** event type -> definition name of its `<Type>Event` interface */
  events: Record<string, string>;
  /** an object's `object` value -> definition name */
  objects: Record<string, string>;
  /** `object` value of a deleted object (`{id, object, deleted: true}`) -> definition name */
  deleted: Record<string, string>;
  /** Stripe's API error object (the `error` of an error response) */
  error: string;
}

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
export const stripeDir = join(repoRoot, "node_modules/stripe");
export const resourcesDir = join(stripeDir, "cjs/resources");

/** A TypeScript program over the pinned SDK's declaration files, as both generators read them. */
export const sdkProgram = (files: string[]) =>
  ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });

/**
 * Where one `object` value is declared by more than one interface, the resource we
 * mean. Anything else ambiguous is left out of `objects` (and so fails validation).
 */
const PREFERRED: Record<string, string> = {
  card: "Cards.Card",
  line_item: "InvoiceLineItems.InvoiceLineItem",
  item: "LineItems.LineItem",
};

export function loadStripeSchema(): StripeSchema {
  const sdkVersion = (JSON.parse(readFileSync(join(stripeDir, "package.json"), "utf8")) as { version: string }).version;
  const self = readFileSync(fileURLToPath(import.meta.url), "utf8");
  const key = createHash("sha256").update(sdkVersion).update(ts.version).update(self).digest("hex").slice(0, 16);
  const cacheFile = join(repoRoot, "node_modules/.cache/stripe-emulator-schema", `stripe-${sdkVersion}-${key}.json`);
  if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, "utf8")) as StripeSchema;
  const schema = generate(sdkVersion);
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(schema));
  return schema;
}

function generate(sdkVersion: string): StripeSchema {
  const entry = join(resourcesDir, "Events.d.ts");
  const extra = [
    "Customers.d.ts",
    "Products.d.ts",
    "Prices.d.ts",
    "Invoices.d.ts",
    "InvoiceItems.d.ts",
    "InvoicePayments.d.ts",
    "TestHelpers/TestClocks.d.ts",
    "BillingPortal/Sessions.d.ts",
    "Checkout/Sessions.d.ts",
    "LineItems.d.ts",
    "SubscriptionItems.d.ts",
    "PaymentIntents.d.ts",
    "PaymentMethods.d.ts",
    "Charges.d.ts",
    "Refunds.d.ts",
    "Subscriptions.d.ts",
    "InvoiceLineItems.d.ts",
    "ProductFeatures.d.ts",
    "Entitlements/Features.d.ts",
    "Entitlements/ActiveEntitlements.d.ts",
  ];
  const program = sdkProgram([entry, ...extra.map((f) => join(resourcesDir, f))]);
  const checker = program.getTypeChecker();
  const definitions: Record<string, JsonSchema> = {};

  const apiVersion = /ApiVersion = "([^"]+)"/.exec(readFileSync(join(stripeDir, "cjs/apiVersion.d.ts"), "utf8"))?.[1] ?? "unknown";

  function defName(type: ts.Type): string | null {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (!symbol) return null;
    const args = type.aliasTypeArguments ?? (type as ts.TypeReference).typeArguments;
    const decl = symbol.declarations?.[0];
    if (!decl) return null;
    const file = relative(join(stripeDir, "cjs"), decl.getSourceFile().fileName).replace(/\.d\.ts$/, "");
    if (file.startsWith("..")) return null;
    const qualified = checker.getFullyQualifiedName(symbol).replace(/^"[^"]*"\./, "");
    let name = `${file.replace(/^resources\//, "").replace(/\//g, ".")}.${qualified}`;
    if (args && args.length > 0) name += `<${args.map((a) => checker.typeToString(a)).join(",")}>`;
    return name.replace(/[^A-Za-z0-9_.]/g, "_");
  }

  const isOtherString = (t: ts.Type) => t.isIntersection() && t.types.some((m) => (m.flags & ts.TypeFlags.String) !== 0);

  const isDecimal = (s: ts.Symbol) => !!s.declarations?.[0]?.getSourceFile().fileName.endsWith("Decimal.d.ts");

  function toSchema(type: ts.Type): JsonSchema {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (f & ts.TypeFlags.Null) return { type: "null" };
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Never)) return { not: {} };
    if (f & ts.TypeFlags.StringLiteral) return { const: (type as ts.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { const: (type as ts.NumberLiteralType).value };
    if (f & ts.TypeFlags.BooleanLiteral) return { const: checker.typeToString(type) === "true" };
    if (f & ts.TypeFlags.String) return { type: "string" };
    if (f & ts.TypeFlags.Number) return { type: "number" };
    if (f & ts.TypeFlags.Boolean) return { type: "boolean" };
    if (f & ts.TypeFlags.BigInt) return { type: ["string", "integer"] }; // v2 int64s travel as strings
    if (type.isUnion()) {
      const members = type.types.filter((m) => !(m.flags & ts.TypeFlags.Undefined));
      const literals = members.filter((m) => m.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral));
      const hasTrue = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(m) === "true");
      const hasFalse = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(m) === "false");
      const rest = members.filter(
        (m) =>
          !(m.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral)) &&
          !(literals.length > 0 && isOtherString(m)),
      );
      const branches: JsonSchema[] = [];
      if (literals.length > 0) branches.push({ enum: literals.map((l) => (l as ts.LiteralType).value) });
      if (hasTrue && hasFalse) branches.push({ type: "boolean" });
      else if (hasTrue) branches.push({ const: true });
      else if (hasFalse) branches.push({ const: false });
      for (const m of rest) branches.push(toSchema(m));
      return union(branches);
    }
    if (type.aliasSymbol?.getName() === "Decimal" && isDecimal(type.aliasSymbol)) return { type: "string" }; // decimals travel as strings
    if (isOtherString(type)) return { type: "string" };
    if (checker.isArrayType(type)) {
      const [item] = checker.getTypeArguments(type as ts.TypeReference);
      return { type: "array", items: item ? toSchema(item) : {} };
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) {
      const name = defName(type);
      if (name) {
        if (!(name in definitions)) {
          definitions[name] = {};
          definitions[name] = objectSchema(type);
        }
        return { $ref: `#/definitions/${name}` };
      }
      return objectSchema(type);
    }
    throw new Error(`schema-gen: unsupported type ${checker.typeToString(type)}`);
  }

  /**
   * A union as one branch per JSON type (if/then), not anyOf: a value is only checked
   * against the members of its own JSON type, so an error names the field that is
   * wrong instead of every alternative. `X | DeletedX` is split on `deleted: true`.
   */
  function union(branches: JsonSchema[]): JsonSchema {
    if (branches.length === 1) return branches[0] as JsonSchema;
    const byType = new Map<string, JsonSchema[]>();
    for (const b of branches) {
      const t = jsonTypeOf(b);
      byType.set(t, [...(byType.get(t) ?? []), b]);
    }
    if (byType.has("any")) return {};
    const types = [...byType.keys()].flatMap((t) => (t === "number" ? ["number"] : [t]));
    const allOf: JsonSchema[] = [];
    for (const [t, members] of byType) {
      if (t === "null") continue;
      let then: JsonSchema;
      if (members.some((m) => m.type === t && Object.keys(m).length === 1)) then = { type: t };
      else if (members.every((m) => "enum" in m || "const" in m))
        then = { enum: members.flatMap((m) => ("enum" in m ? (m.enum as unknown[]) : [m.const])) };
      else if (members.length === 1) then = members[0] as JsonSchema;
      else if (t === "object" && members.length === 2 && members.some((m) => String(m.$ref).includes(".Deleted"))) {
        const del = members.find((m) => String(m.$ref).includes(".Deleted")) as JsonSchema;
        const live = members.find((m) => m !== del) as JsonSchema;
        then = { if: { properties: { deleted: { const: true } }, required: ["deleted"] }, then: del, else: live };
      } else then = { anyOf: members };
      if (byType.size === 1) return then;
      allOf.push({ if: { type: t }, then });
    }
    return { type: types, ...(allOf.length ? { allOf } : {}) };
  }

  function jsonTypeOf(s: JsonSchema): string {
    if ("$ref" in s) return "object";
    if (typeof s.type === "string") return s.type === "integer" ? "number" : s.type;
    const values = "enum" in s ? (s.enum as unknown[]) : "const" in s ? [s.const] : null;
    if (values && values.length > 0) {
      const kinds = new Set(values.map((v) => (v === null ? "null" : typeof v)));
      if (kinds.size === 1) return [...kinds][0] as string;
    }
    return "any";
  }

  function objectSchema(type: ts.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of checker.getPropertiesOfType(type)) {
      const propType = checker.getTypeOfSymbol(prop);
      if (checker.getSignaturesOfType(propType, ts.SignatureKind.Call).length > 0) continue;
      properties[prop.getName()] = toSchema(propType);
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.getName());
    }
    const index = checker.getIndexInfosOfType(type)[0];
    return {
      type: "object",
      properties,
      ...(required.length ? { required } : {}),
      additionalProperties: index ? toSchema(index.type) : false,
    };
  }

  // Every event type, from the SDK's discriminated Event union.
  const eventsFile = program.getSourceFile(entry);
  if (!eventsFile) throw new Error("schema-gen: Events.d.ts not found");
  const moduleSymbol = checker.getSymbolAtLocation(eventsFile);
  const exportsOf = (file: ts.SourceFile) => {
    const sym = checker.getSymbolAtLocation(file);
    return sym ? checker.getExportsOfModule(sym) : [];
  };
  const eventAlias =
    moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.getName() === "Event" && s.flags & ts.SymbolFlags.TypeAlias);
  if (!eventAlias) throw new Error("schema-gen: Event union not found");
  const eventUnion = checker.getDeclaredTypeOfSymbol(eventAlias);
  const events: Record<string, string> = {};
  for (const member of eventUnion.isUnion() ? eventUnion.types : [eventUnion]) {
    const typeProp = member.getProperty("type");
    const literal = typeProp && checker.getTypeOfSymbol(typeProp);
    if (!literal || !(literal.flags & ts.TypeFlags.StringLiteral)) continue;
    const ref = toSchema(member).$ref as string;
    events[(literal as ts.StringLiteralType).value] = ref.slice("#/definitions/".length);
  }

  // Every exported resource interface reachable from the files above, by its `object` value.
  const objects: Record<string, string> = {};
  const deleted: Record<string, string> = {};
  const seen: Record<string, Set<string>> = {};
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(resourcesDir)) continue;
    for (const sym of exportsOf(file)) {
      if (!(sym.flags & ts.SymbolFlags.Interface)) continue;
      const t = checker.getDeclaredTypeOfSymbol(sym);
      const objectProp = t.getProperty("object");
      const idProp = t.getProperty("id");
      const ot = objectProp && checker.getTypeOfSymbol(objectProp);
      if (!idProp || !ot || !(ot.flags & ts.TypeFlags.StringLiteral)) continue;
      const value = (ot as ts.StringLiteralType).value;
      const delProp = t.getProperty("deleted");
      const isDeleted = !!delProp && checker.typeToString(checker.getTypeOfSymbol(delProp)) === "true";
      const ref = (toSchema(t).$ref as string).slice("#/definitions/".length);
      const bucket = isDeleted ? `deleted:${value}` : value;
      (seen[bucket] ??= new Set()).add(ref);
    }
  }
  for (const [bucket, refs] of Object.entries(seen)) {
    const value = bucket.replace(/^deleted:/, "");
    const target = bucket.startsWith("deleted:") ? deleted : objects;
    const chosen = refs.size === 1 ? [...refs][0] : PREFERRED[value] && refs.has(PREFERRED[value]) ? PREFERRED[value] : undefined;
    if (chosen) target[value] = chosen;
  }

  // The API error object: PaymentIntent.LastPaymentError is Stripe's `api_errors`
  // schema minus the fields that would make it circular; put those back.
  const pi = exportsOf(program.getSourceFile(join(resourcesDir, "PaymentIntents.d.ts")) as ts.SourceFile).find(
    (s) => s.getName() === "PaymentIntent",
  );
  const lpe = pi && checker.getDeclaredTypeOfSymbol(pi).getProperty("last_payment_error");
  if (!lpe) throw new Error("schema-gen: PaymentIntent.last_payment_error not found");
  const lpeSchema = toSchema(checker.getTypeOfSymbol(lpe));
  const lpeRef = ((lpeSchema.allOf as { then: JsonSchema }[] | undefined)?.find((b) => b.then.$ref)?.then.$ref ?? lpeSchema.$ref) as string;
  const base = definitions[lpeRef.slice("#/definitions/".length)] as { properties: Record<string, JsonSchema>; required?: string[] };
  definitions["ApiError"] = {
    ...base,
    properties: {
      ...base.properties,
      payment_intent: { $ref: `#/definitions/${objects.payment_intent}` },
      setup_intent: { $ref: `#/definitions/${objects.setup_intent}` },
      request_log_url: { type: "string" },
    },
  };

  return { sdkVersion, apiVersion, definitions, events, objects, deleted, error: "ApiError" };
}
