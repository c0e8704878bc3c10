import { and, eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert, type Actor } from "../audit/audit.server";
import { AppError, conflict, forbidden, invalidInput, withValues } from "../errors";
import { requireManagedTenant } from "../seats/seats.server";
import { slugify } from "../slug";
import { streamToR2 } from "../../infra/storage/r2-multipart.server";
import { checkedPackageBody, type SizeLimit } from "./package-body";
import { isSaneVersion, planSupersede, safeFileName, SYSTEM_CATALOG_ID, tenantCatalogId } from "./rules";
import { tenantFeatures } from "../entitlements/feature-grants.server";
import { type Access, switchedOffMessage } from "../entitlements/access";

// Publishing to the software catalog: a system admin's applications and versions, a Pro tenant's
// uploads, and the admin switch that allows them. Every package is checked before it is stored.

/** An uploaded package: its name and its bytes as they arrive (read once, by whoever stores it). */
export type PackageFile = { name: string; body: ReadableStream<Uint8Array> };

/**
 * What can be checked about a package before any of its bytes are read (version, file name); the
 * size limit and the signature are checked as the bytes stream (checkedPackageBody).
 */
export function checkPackage(input: { version: string; file: PackageFile | null; maxBytes: SizeLimit }) {
  const fieldErrors: Record<string, string[]> = {};
  if (!isSaneVersion(input.version)) fieldErrors.version = ["Use a version like 1.2.3 (2 to 4 numbers, optional -suffix)."];
  if (!input.file) fieldErrors.file = ["Choose an .msi or .exe file."];
  if (Object.keys(fieldErrors).length || !input.file) throw invalidInput("Some fields need attention.", fieldErrors);
  const { file } = input;
  const name = safeFileName(file.name);
  if (!name.ok) throw invalidInput(name.reason, { file: [name.reason] });
  return {
    version: input.version,
    fileName: file.name,
    body: checkedPackageBody(file.body, { kind: name.kind, maxBytes: input.maxBytes }),
  };
}

type Checked = ReturnType<typeof checkPackage>;

/**
 * Publishes a checked package as the application's new version: R2 first, then one D1 batch (version,
 * supersede, audit). A duplicate version is refused before R2; if the batch fails the object is removed.
 */
async function publishVersion(deps: {
  db: Db;
  files: R2Bucket;
  actor: Actor;
  tenantId: string | null;
  applicationId: string;
  keyPrefix: string;
  source: "admin" | "upload";
  pkg: Checked;
  now: number;
}) {
  const existing = await deps.db
    .select({
      id: schema.softwareVersions.id,
      version: schema.softwareVersions.version,
      supersededBy: schema.softwareVersions.supersededBy,
      sha256: schema.softwareVersions.sha256,
    })
    .from(schema.softwareVersions)
    .where(eq(schema.softwareVersions.applicationId, deps.applicationId));
  if (existing.some((v) => v.version === deps.pkg.version)) {
    throw conflict("duplicate_version", duplicateVersion(deps.pkg.version), {
      fieldErrors: { version: ["This version is already published."] },
    });
  }
  const id = newId("ver");
  const key = `${deps.keyPrefix}/${id}/${deps.pkg.fileName}`;
  const plan = planSupersede([...existing, { id, version: deps.pkg.version, supersededBy: null }]);
  const { sha256, size } = await streamToR2({
    bucket: deps.files,
    key,
    body: deps.pkg.body,
    httpMetadata: { contentType: "application/octet-stream" },
  });
  try {
    await deps.db.batch([
      deps.db.insert(schema.softwareVersions).values({
        id,
        applicationId: deps.applicationId,
        version: deps.pkg.version,
        downloadKey: key,
        sha256,
        size,
        fileName: deps.pkg.fileName,
        supersededBy: plan.updates.find((u) => u.id === id)?.supersededBy ?? (plan.latestId === id ? null : plan.latestId),
        source: deps.source,
        createdBy: deps.actor.id ?? null,
        createdAt: deps.now,
      }),
      ...plan.updates
        .filter((u) => u.id !== id)
        .map((u) =>
          deps.db.update(schema.softwareVersions).set({ supersededBy: u.supersededBy }).where(eq(schema.softwareVersions.id, u.id)),
        ),
      auditInsert(deps.db, {
        actor: deps.actor,
        action: deps.source === "upload" ? "software.upload" : "software.version.add",
        tenantId: deps.tenantId,
        target: { type: "version", id },
        after: { applicationId: deps.applicationId, version: deps.pkg.version, sha256, size, key },
        at: deps.now,
      }),
    ]);
  } catch (e) {
    await deps.files.delete(key);
    if (e instanceof Error && /UNIQUE/.test(e.message)) {
      throw conflict("duplicate_version", duplicateVersion(deps.pkg.version));
    }
    throw e;
  }
  return { id, version: deps.pkg.version, sha256, size, latest: plan.latestId === id };
}

const duplicateVersion = (version: string) => withValues("Version {{version}} is already published for this application.", { version });

const appSlug = (name: string) => slugify(name, { max: 60, fallback: "app" });

function systemCatalogInsert(db: Db, now: number) {
  return db
    .insert(schema.softwareCatalogs)
    .values({ id: SYSTEM_CATALOG_ID, ownerType: "system", ownerId: "system", name: "Gatehouse software", createdAt: now })
    .onConflictDoNothing();
}

/** System admins add an application to the system catalog (audited). */
export async function addSystemApplication(deps: { db: Db; actor: Actor; name: string; vendor: string; now: number }) {
  const slug = appSlug(deps.name);
  if (!slug) throw invalidInput("Some fields need attention.", { name: ["Use letters or digits in the name."] });
  const taken = await deps.db
    .select({ id: schema.softwareApplications.id })
    .from(schema.softwareApplications)
    .where(and(eq(schema.softwareApplications.catalogId, SYSTEM_CATALOG_ID), eq(schema.softwareApplications.slug, slug)))
    .get();
  if (taken) {
    throw conflict("duplicate_application", withValues('An application called "{{name}}" already exists.', { name: deps.name }), {
      fieldErrors: { name: ["Already in the catalog."] },
    });
  }
  const id = newId("app");
  await deps.db.batch([
    systemCatalogInsert(deps.db, deps.now),
    deps.db
      .insert(schema.softwareApplications)
      .values({ id, catalogId: SYSTEM_CATALOG_ID, slug, name: deps.name, vendor: deps.vendor, createdAt: deps.now }),
    auditInsert(deps.db, {
      actor: deps.actor,
      action: "software.application.add",
      target: { type: "application", id },
      after: { name: deps.name, vendor: deps.vendor, slug },
      at: deps.now,
    }),
  ]);
  return { id, slug };
}

/** System admins add a version (file upload) to a system application. */
export async function addSystemVersion(deps: {
  db: Db;
  files: R2Bucket;
  actor: Actor;
  applicationId: string;
  version: string;
  file: PackageFile | null;
  maxBytes: number;
  now: number;
}) {
  const app = await deps.db
    .select()
    .from(schema.softwareApplications)
    .where(and(eq(schema.softwareApplications.id, deps.applicationId), eq(schema.softwareApplications.catalogId, SYSTEM_CATALOG_ID)))
    .get();
  if (!app) throw invalidInput("Some fields need attention.", { applicationId: ["Choose an application of the system catalog."] });
  const pkg = checkPackage(deps);
  return publishVersion({ ...deps, tenantId: null, applicationId: app.id, keyPrefix: `system/${app.slug}`, source: "admin", pkg });
}

/** The feature uploads need (ADR 018); the seeded catalog grants it with the MAX and ULTRA tiers. */
export const UPLOAD_FEATURE = "uploads.pro";

/** The limit feature that caps a package's size (seeded with the MAX and ULTRA prices); where to get a larger one. */
export const UPLOAD_SIZE_FEATURE = "uploads.max_bytes";
export const UPLOAD_UPGRADE_URL = "/pricing";

/**
 * Why a tenant may or may not upload: the upload feature through a live entitlement or grant, and the
 * admin switch; and the package size it may upload: the Worker's ceiling (UPLOAD_MAX_BYTES), or the
 * largest live `uploads.max_bytes` limit where that is lower (ADR 018: the limit is data).
 */
export async function proUploadStatus(deps: { db: Db; tenantId: string; now: number; ceiling: number }) {
  const [tenant, features] = await Promise.all([
    deps.db.select({ enabled: schema.tenants.proUploadsEnabled }).from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get(),
    tenantFeatures(deps),
  ]);
  const pro = features.some((f) => f.key === UPLOAD_FEATURE && f.live);
  const sized = features.filter((f) => f.key === UPLOAD_SIZE_FEATURE && f.live && f.limit !== null);
  const featureLimit = sized.length ? Math.max(...sized.map((f) => f.limit ?? 0)) : null;
  const limit: SizeLimit =
    featureLimit !== null && featureLimit < deps.ceiling
      ? { maxBytes: featureLimit, feature: { key: UPLOAD_SIZE_FEATURE, name: sized[0]!.name }, upgradeUrl: UPLOAD_UPGRADE_URL }
      : deps.ceiling;
  return { pro, enabled: Boolean(tenant?.enabled), limit, maxBytes: typeof limit === "number" ? limit : limit.maxBytes };
}

export type UploadTarget = { tenantId: string; tenantName: string; userId: string; limit: SizeLimit };

/**
 * Who may upload where, decided before the request body is read: an active owner or admin of the
 * tenant (404 for anyone else), on the Pro plan (a live MAX/ULTRA Organization) with the admin's
 * switch on (403 otherwise).
 */
export async function requireUploadTarget(deps: {
  db: Db;
  userId: string;
  tenantSlug: string;
  now: number;
  /** The Worker's upload ceiling (UPLOAD_MAX_BYTES); the tenant's `uploads.max_bytes` limit applies where lower. */
  ceiling: number;
  /** The uploader's access; the kill switch refuses uploads as it refuses downloads. */
  access: Pick<Access, "switchedOff">;
}): Promise<UploadTarget> {
  if (deps.access.switchedOff) throw forbidden(switchedOffMessage("Uploading"));
  const tenant = await requireManagedTenant({
    db: deps.db,
    userId: deps.userId,
    slug: deps.tenantSlug,
    refusal: "Only owners and admins can upload packages.",
  });
  const status = await proUploadStatus({ db: deps.db, tenantId: tenant.id, now: deps.now, ceiling: deps.ceiling });
  if (!status.pro) throw forbidden("Uploads are part of the Pro plan (the MAX or ULTRA tier of Organization).");
  if (!status.enabled) throw forbidden("Uploads are not switched on for this organisation yet. Ask Gatehouse support to enable them.");
  return { tenantId: tenant.id, tenantName: tenant.name, userId: deps.userId, limit: status.limit };
}

/** A Pro upload to a target from requireUploadTarget: the package passes every check, and a refusal stores nothing in R2 or D1. */
export async function proUpload(deps: {
  db: Db;
  files: R2Bucket;
  target: UploadTarget;
  application: string;
  version: string;
  file: PackageFile | null;
  now: number;
}) {
  const { target } = deps;
  const appName = deps.application.trim();
  const slug = appSlug(appName);
  if (!slug || appName.length > 80)
    throw invalidInput("Some fields need attention.", { application: ["Name the application (1 to 80 characters)."] });
  const pkg = checkPackage({ ...deps, maxBytes: target.limit });
  const catalogId = tenantCatalogId(target.tenantId);
  let app = await deps.db
    .select({ id: schema.softwareApplications.id })
    .from(schema.softwareApplications)
    .where(and(eq(schema.softwareApplications.catalogId, catalogId), eq(schema.softwareApplications.slug, slug)))
    .get();
  if (!app) {
    const id = newId("app");
    // Creating the tenant's catalog and application is idempotent; a refused upload below leaves
    // at most this empty application behind, never a file or a version.
    await deps.db.batch([
      deps.db
        .insert(schema.softwareCatalogs)
        .values({
          id: catalogId,
          ownerType: "tenant",
          ownerId: target.tenantId,
          name: `${target.tenantName} software`,
          createdAt: deps.now,
        })
        .onConflictDoNothing(),
      deps.db
        .insert(schema.softwareApplications)
        .values({ id, catalogId, slug, name: appName, vendor: target.tenantName, createdAt: deps.now })
        .onConflictDoNothing(),
    ]);
    app = (await deps.db
      .select({ id: schema.softwareApplications.id })
      .from(schema.softwareApplications)
      .where(and(eq(schema.softwareApplications.catalogId, catalogId), eq(schema.softwareApplications.slug, slug)))
      .get())!;
  }
  return publishVersion({
    db: deps.db,
    files: deps.files,
    actor: { type: "user", id: target.userId },
    tenantId: target.tenantId,
    applicationId: app.id,
    keyPrefix: `tenants/${target.tenantId}/${slug}`,
    source: "upload",
    pkg,
    now: deps.now,
  });
}

/** System admins switch Pro uploads on or off for a tenant (audited). */
export async function setProUploads(deps: { db: Db; actor: Actor; tenantId: string; enabled: boolean; now: number }) {
  const tenant = await deps.db
    .select({ enabled: schema.tenants.proUploadsEnabled })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, deps.tenantId))
    .get();
  if (!tenant) throw new AppError({ code: "not_found", status: 404, message: "No such tenant." });
  if (tenant.enabled === deps.enabled) return { changed: false };
  await deps.db.batch([
    deps.db.update(schema.tenants).set({ proUploadsEnabled: deps.enabled }).where(eq(schema.tenants.id, deps.tenantId)),
    auditInsert(deps.db, {
      actor: deps.actor,
      action: "tenant.pro_uploads",
      tenantId: deps.tenantId,
      target: { type: "tenant", id: deps.tenantId },
      before: { enabled: tenant.enabled },
      after: { enabled: deps.enabled },
      at: deps.now,
    }),
  ]);
  return { changed: true };
}
