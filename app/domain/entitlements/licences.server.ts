import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";

// Licences, as the admin console calls entitlements: the list with its filters, and its CSV export.

/** Every entitlement status, for the licence list's filter. */
export const LICENCE_STATUSES = schema.ENTITLEMENT_STATUSES;

export const LicenceFilter = z.object({
  // A catalog product's key (products are data, ADR 018); checked against the catalog below.
  product: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .catch(""),
  status: z.enum([...LICENCE_STATUSES, ""]).catch(""),
});

export type LicenceFilter = z.output<typeof LicenceFilter>;

/** Every catalog product (published or not: licences outlive sales), for the licence list's product filter. */
export async function licenceProducts(deps: { db: Db }) {
  return deps.db
    .select({ key: schema.products.key, name: schema.products.name })
    .from(schema.products)
    .orderBy(asc(schema.products.createdAt), asc(schema.products.key));
}

/** The licence list's filter from a URL's query: an unknown value (a product not in `productKeys`) means "all". */
export const readLicenceFilter = (url: string, productKeys: readonly string[]): LicenceFilter => {
  const filter = LicenceFilter.parse(Object.fromEntries(new URL(url).searchParams));
  return productKeys.includes(filter.product) ? filter : { ...filter, product: "" };
};

export async function listLicences(deps: { db: Db; filter: LicenceFilter; now: number }) {
  const e = schema.tenantProductEntitlements;
  const conditions: SQL[] = [];
  if (deps.filter.product) conditions.push(eq(schema.products.key, deps.filter.product));
  if (deps.filter.status) conditions.push(eq(e.status, deps.filter.status));
  const rows = await deps.db
    .select({
      id: e.id,
      tenantId: e.tenantId,
      tenantName: schema.tenants.name,
      product: schema.products.key,
      source: e.source,
      sourceRef: e.sourceRef,
      status: e.status,
      seatsTotal: e.quantitySeats,
      seatsUsed: sql<number>`(SELECT count(*) FROM tenant_entitlement_seat_assignments s WHERE s.entitlement_id = ${e.id} AND s.released_at IS NULL)`,
      validFrom: e.validFrom,
      validUntil: e.validUntil,
      graceUntil: e.graceUntil,
    })
    .from(e)
    .innerJoin(schema.tenants, eq(schema.tenants.id, e.tenantId))
    .innerJoin(schema.products, eq(schema.products.id, e.productId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(e.createdAt))
    .limit(5000);
  return rows.map((r) => ({ ...r, seatsUsed: Number(r.seatsUsed) }));
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  // Quote everything; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
};

export function licencesCsv(rows: Awaited<ReturnType<typeof listLicences>>): string {
  const header = [
    "entitlement_id",
    "tenant_id",
    "tenant",
    "product",
    "source",
    "source_ref",
    "status",
    "seats_used",
    "seats_total",
    "valid_from",
    "valid_until",
    "grace_until",
  ];
  const iso = (ms: number | null) => (ms ? new Date(ms).toISOString() : "");
  const lines = rows.map((r) =>
    [
      r.id,
      r.tenantId,
      r.tenantName,
      r.product,
      r.source,
      r.sourceRef,
      r.status,
      r.seatsUsed,
      r.seatsTotal,
      iso(r.validFrom),
      iso(r.validUntil),
      iso(r.graceUntil),
    ]
      .map(csvCell)
      .join(","),
  );
  return [header.join(","), ...lines].join("\r\n") + "\r\n";
}
