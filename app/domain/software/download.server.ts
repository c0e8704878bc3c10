import { eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { AppError, forbidden } from "../errors";
import { downloadRefusal, mayRead, type Viewer } from "./catalog.server";

const noSuchVersion = () => new AppError({ code: "not_found", status: 404, message: "No such version." });

/**
 * A download is streamed from R2 only after this request's access check: Organization access for
 * the system catalog, a seat in the owning tenant for a tenant catalog. Another tenant's file is a 404.
 */
export async function openDownload(deps: { db: Db; files: R2Bucket; viewer: Viewer; versionId: string }): Promise<Response> {
  const row = await deps.db
    .select({ v: schema.softwareVersions, ownerType: schema.softwareCatalogs.ownerType, ownerId: schema.softwareCatalogs.ownerId })
    .from(schema.softwareVersions)
    .innerJoin(schema.softwareApplications, eq(schema.softwareApplications.id, schema.softwareVersions.applicationId))
    .innerJoin(schema.softwareCatalogs, eq(schema.softwareCatalogs.id, schema.softwareApplications.catalogId))
    .where(eq(schema.softwareVersions.id, deps.versionId))
    .get();
  if (!row) throw noSuchVersion();
  if (!mayRead(deps.viewer, row)) {
    if (row.ownerType === "tenant" && !deps.viewer.access.entitlements.some((e) => e.tenantId === row.ownerId)) throw noSuchVersion();
    throw forbidden(downloadRefusal(deps.viewer));
  }
  const object = await deps.files.get(row.v.downloadKey);
  if (!object) throw new AppError({ code: "file_missing", status: 404, message: "The file for this version is not in storage." });
  return new Response(object.body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(object.size),
      "Content-Disposition": `attachment; filename="${row.v.fileName}"`,
      "X-Checksum-SHA256": row.v.sha256,
      "Cache-Control": "private, no-store",
    },
  });
}
