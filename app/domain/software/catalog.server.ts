import { eq, inArray } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { type Access, holdsFeature, holdsFeatureIn, switchedOffMessage, tenantsHolding } from "../entitlements/access";
import { forbidden } from "../errors";
import { clientSummary } from "./client-licences.server";
import { proUploadStatus } from "./publishing.server";
import { SYSTEM_CATALOG_ID, tenantCatalogId } from "./rules";

// The software catalog as its readers see it: what a viewer may download, the system catalog for
// admins, a tenant's own catalog on its software page. Nothing here writes.

export type Viewer = { userId: string; isSystemAdmin: boolean; access: Access };

/** The feature downloads need (ADR 018): a person's, so a seat where the product has seats. */
const DOWNLOAD = "software.download";

/** Tenants whose catalog this viewer may read: those through which they hold the download feature themselves. */
const seatedTenants = (v: Viewer) => tenantsHolding(v.access, DOWNLOAD);

/** Why a download is refused: the kill switch's locked message while it is on, else what the plan lacks. */
export const downloadRefusal = (v: Viewer) =>
  v.access.switchedOff
    ? switchedOffMessage("Downloading")
    : "Downloads come with a plan that includes software downloads, and a seat on it.";

/** May this viewer download from this catalog? System: the download feature anywhere. Tenant: through that tenant. */
export function mayRead(v: Viewer, catalog: { ownerType: "system" | "tenant"; ownerId: string }): boolean {
  if (catalog.ownerType === "system") return holdsFeature(v.access, DOWNLOAD);
  return holdsFeatureIn(v.access, catalog.ownerId, DOWNLOAD);
}

export type LatestApplication = {
  id: string;
  name: string;
  vendor: string;
  catalog: { id: string; ownerType: "system" | "tenant"; name: string };
  latest: { id: string; version: string; sha256: string; size: number; createdAt: number; downloadUrl: string };
};

type LatestRow = {
  id: string;
  name: string;
  vendor: string;
  catalog_id: string;
  owner_type: "system" | "tenant";
  owner_id: string | null;
  catalog_name: string;
  version_id: string;
  version: string;
  sha256: string;
  size: number;
  created_at: number;
};

const LATEST_SQL = (visible: string) => `
    SELECT a.id, a.name, a.vendor, c.id AS catalog_id, c.owner_type, c.owner_id, c.name AS catalog_name,
           v.id AS version_id, v.version, v.sha256, v.size, v.created_at
    FROM software_applications a
    JOIN software_catalogs c ON c.id = a.catalog_id
    JOIN software_versions v ON v.application_id = a.id AND v.superseded_by IS NULL
    WHERE ${visible}
    ORDER BY c.owner_type, a.name`;

/** The latest non-superseded version of every application the viewer may see (403 without Organization access). */
export async function listLatest(deps: { db: Db; viewer: Viewer }): Promise<LatestApplication[]> {
  // The download feature (through any tenant, or as a system admin) is what downloads need at all.
  if (!holdsFeature(deps.viewer.access, DOWNLOAD)) throw forbidden(downloadRefusal(deps.viewer));
  // System admins see the system catalog plus the tenant catalogs where they themselves hold a seat.
  const tenantIds = seatedTenants(deps.viewer);
  const inTenants = tenantIds.length > 0 ? `(${tenantIds.map((_, i) => `?${i + 1}`).join(", ")})` : "(NULL)";
  const { results } = await deps.db.$client
    .prepare(LATEST_SQL(`(c.owner_type = 'system' OR (c.owner_type = 'tenant' AND c.owner_id IN ${inTenants}))`))
    .bind(...tenantIds)
    .all<LatestRow>();
  return latestFromRows(results, deps.viewer) ?? [];
}

/**
 * The rows `listLatest` may show, as one statement for a page's batch (ADR 022), before the
 * viewer's access is known: the system catalog and the catalogs of every tenant `user` (an SQL
 * expression over `?1`) is an active member of. `latestFromRows` keeps what the viewer may see.
 */
export function latestStatement(d1: D1Database, user: string, key: string): D1PreparedStatement {
  const mine = `(SELECT tenant_id FROM tenant_memberships WHERE user_id = ${user} AND status = 'active')`;
  return d1.prepare(LATEST_SQL(`(c.owner_type = 'system' OR (c.owner_type = 'tenant' AND c.owner_id IN ${mine}))`)).bind(key);
}

/** What listLatest shows of these rows to this viewer; null without the download feature. */
export function latestFromRows(rows: unknown[], viewer: Viewer): LatestApplication[] | null {
  if (!holdsFeature(viewer.access, DOWNLOAD)) return null;
  const seated = new Set(seatedTenants(viewer));
  return (rows as LatestRow[])
    .filter((r) => r.owner_type === "system" || (r.owner_id !== null && seated.has(r.owner_id)))
    .map((r) => ({
      id: r.id,
      name: r.name,
      vendor: r.vendor,
      catalog: { id: r.catalog_id, ownerType: r.owner_type, name: r.catalog_name },
      latest: {
        id: r.version_id,
        version: r.version,
        sha256: r.sha256,
        size: r.size,
        createdAt: r.created_at,
        downloadUrl: `/downloads/${r.version_id}`,
      },
    }));
}

/** A catalog's applications, each with all its versions, newest first. */
async function applicationsWithVersions(db: Db, catalogId: string) {
  const apps = await db
    .select()
    .from(schema.softwareApplications)
    .where(eq(schema.softwareApplications.catalogId, catalogId))
    .orderBy(schema.softwareApplications.name);
  const vers = apps.length
    ? await db
        .select()
        .from(schema.softwareVersions)
        .where(
          inArray(
            schema.softwareVersions.applicationId,
            apps.map((a) => a.id),
          ),
        )
    : [];
  return apps.map((a) => ({ ...a, versions: vers.filter((v) => v.applicationId === a.id).sort((x, y) => y.createdAt - x.createdAt) }));
}

/** System catalog for the admin console: applications with all their versions. */
export async function listSystemCatalog(deps: { db: Db }) {
  return applicationsWithVersions(deps.db, SYSTEM_CATALOG_ID);
}

/** The tenant software page: Pro upload status, client compliance and the tenant catalog's versions. */
export async function tenantSoftware(deps: { db: Db; tenantId: string; now: number; ceiling: number }) {
  const applications = await applicationsWithVersions(deps.db, tenantCatalogId(deps.tenantId));
  return {
    proUploads: await proUploadStatus(deps),
    clients: await clientSummary(deps),
    applications,
  };
}
