// Stripe's own example objects (stripe/openapi fixtures3.json, MIT) are the base of
// every object we return, so fields we do not model still exist with Stripe's types.
import fixtures from "../fixtures/fixtures3.json";

const resources = (fixtures as unknown as { resources: Record<string, Record<string, unknown>> }).resources;

export function template(resource: string): Record<string, unknown> {
  const t = resources[resource];
  if (!t) throw new Error(`no fixture for ${resource}`);
  return structuredClone(t);
}
