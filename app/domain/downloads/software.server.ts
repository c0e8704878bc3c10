import { and, eq, inArray, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { rawStatement } from "../../infra/d1/raw-statement.server";
import { newId, randomString } from "../../infra/ids";
import { runLeasedJob } from "../jobs/leased-run.server";
import { auditInsert, type Actor } from "../audit/audit.server";
import { type Access, userHasAccessIn } from "../entitlements/access";
import { isLive } from "../entitlements/live";
import { AppError, conflict, forbidden, invalidInput } from "../errors";
import { canManage } from "../seats/rules";
import { type ManagedTenant, requireManagedTenant } from "../seats/seats.server";
import {
  clientCompliance,
  type FeedEntry,
  hex,
  isSaneVersion,
  newFeedEntries,
  planSupersede,
  safeFileName,
} from "./software";
import { checkedPackageBody } from "./package-body";
import { streamToR2 } from "../../infra/storage/r2-multipart.server";
import { slugify } from "../slug";

export const SYSTEM_CATALOG_ID = "cat_system";
export const PRO_TIERS = ["MAX", "ULTRA"] as const;
export const VERSION_FEED_JOB = "version_feed";
const LEASE_MS = 10 * 60 * 1000;
// A client counts as observed while it has checked in within this window.
export const CLIENT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

const notFound = (what = "version") => new AppError({ code: "not_found", status: 404, message: `No such ${what}.` });

type Viewer = { userId: string; isSystemAdmin: boolean; access: Access };

/** Tenants whose catalog this viewer may read: those where they hold Organization access (a seat). */
const seatedTenants = (v: Viewer) => [
  ...new Set(v.access.entitlements.filter((e) => e.productKey === "organization" && e.grantsUser).map((e) => e.tenantId)),
];

/** May this viewer download from this catalog? System: Organization access anywhere. Tenant: a seat there. */
export function mayRead(v: Viewer, catalog: { ownerType: "system" | "tenant"; ownerId: string }): boolean {
  if (catalog.ownerType === "system") return v.access.organization.granted;
  return userHasAccessIn(v.access, catalog.ownerId, "organization", v.isSystemAdmin);
}

export type LatestApplication = {
  id: string;
  name: string;
  vendor: string;
  catalog: { id: string; ownerType: "system" | "tenant"; name: string };
  latest: { id: string; version: string; sha256: string; size: number; createdAt: number; downloadUrl: string };
};

/** The latest non-superseded version of every application the viewer may see (403 without Organization access). */
export async function listLatest(deps: { db: Db; viewer: Viewer }): Promise<LatestApplication[]> {
  // Organization access (a seat anywhere, or system admin) is what downloads need at all.
  if (!deps.viewer.access.organization.granted) throw forbidden("Downloads come with the Organization plan and a seat on it.");
  // System admins see the system catalog plus the tenant catalogs where they themselves hold a seat.
  const tenantIds = seatedTenants(deps.viewer);
  const inTenants = tenantIds.length ? sql`(${sql.join(tenantIds.map((t) => sql`${t}`), sql`, `)})` : sql`(NULL)`;
  const visible = sql`(c.owner_type = 'system' OR (c.owner_type = 'tenant' AND c.owner_id IN ${inTenants}))`;
  const rows = await deps.db.all<{
    id: string; name: string; vendor: string; catalog_id: string; owner_type: "system" | "tenant"; catalog_name: string;
    version_id: string; version: string; sha256: string; size: number; created_at: number;
  }>(sql`
    SELECT a.id, a.name, a.vendor, c.id AS catalog_id, c.owner_type, c.name AS catalog_name,
           v.id AS version_id, v.version, v.sha256, v.size, v.created_at
    FROM applications a
    JOIN catalogs c ON c.id = a.catalog_id
    JOIN versions v ON v.application_id = a.id AND v.superseded_by IS NULL
    WHERE ${visible}
    ORDER BY c.owner_type, a.name`);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    vendor: r.vendor,
    catalog: { id: r.catalog_id, ownerType: r.owner_type, name: r.catalog_name },
    latest: { id: r.version_id, version: r.version, sha256: r.sha256, size: r.size, createdAt: r.created_at, downloadUrl: `/downloads/${r.version_id}` },
  }));
}

/**
 * A download is streamed from R2 only after this request's access check: Organization access for
 * the system catalog, a seat in the owning tenant for a tenant catalog. Another tenant's file is a 404.
 */
export async function openDownload(deps: { db: Db; files: R2Bucket; viewer: Viewer; versionId: string }): Promise<Response> {
  const row = await deps.db
    .select({ v: schema.versions, ownerType: schema.catalogs.ownerType, ownerId: schema.catalogs.ownerId })
    .from(schema.versions)
    .innerJoin(schema.applications, eq(schema.applications.id, schema.versions.applicationId))
    .innerJoin(schema.catalogs, eq(schema.catalogs.id, schema.applications.catalogId))
    .where(eq(schema.versions.id, deps.versionId))
    .get();
  if (!row) throw notFound();
  if (!mayRead(deps.viewer, row)) {
    if (row.ownerType === "tenant" && !deps.viewer.access.entitlements.some((e) => e.tenantId === row.ownerId)) throw notFound();
    throw forbidden("Downloads come with the Organization plan and a seat on it.");
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

/** An uploaded package: its name and its bytes as they arrive (read once, by whoever stores it). */
export type PackageFile = { name: string; body: ReadableStream<Uint8Array> };

/**
 * What can be checked about a package before any of its bytes are read (version, file name); the
 * size limit and the signature are checked as the bytes stream (checkedPackageBody).
 */
export async function checkPackage(input: { version: string; file: PackageFile | null; maxBytes: number }) {
  const fieldErrors: Record<string, string[]> = {};
  if (!isSaneVersion(input.version)) fieldErrors.version = ["Use a version like 1.2.3 (2 to 4 numbers, optional -suffix)."];
  if (!input.file) fieldErrors.file = ["Choose an .msi or .exe file."];
  if (Object.keys(fieldErrors).length || !input.file) throw invalidInput("Some fields need attention.", fieldErrors);
  const { file } = input;
  const name = safeFileName(file.name);
  if (!name.ok) throw invalidInput(name.reason, { file: [name.reason] });
  return { version: input.version, fileName: file.name, body: checkedPackageBody(file.body, { kind: name.kind, maxBytes: input.maxBytes }) };
}

type Checked = Awaited<ReturnType<typeof checkPackage>>;

/**
 * Publishes a checked package as the application's new version: its bytes streamed into R2 first
 * (hashed on the way; a refused or broken stream stores nothing), then one D1 batch (version,
 * supersede, audit). A duplicate version is refused before a byte is read; if the batch fails the
 * object is removed.
 */
async function publishVersion(deps: {
  db: Db; files: R2Bucket; actor: Actor; tenantId: string | null; applicationId: string; keyPrefix: string;
  source: "admin" | "upload"; pkg: Checked; now: number;
}) {
  const existing = await deps.db
    .select({ id: schema.versions.id, version: schema.versions.version, supersededBy: schema.versions.supersededBy, sha256: schema.versions.sha256 })
    .from(schema.versions)
    .where(eq(schema.versions.applicationId, deps.applicationId));
  if (existing.some((v) => v.version === deps.pkg.version)) {
    throw conflict("duplicate_version", `Version ${deps.pkg.version} is already published for this application.`, {
      fieldErrors: { version: ["This version is already published."] },
    });
  }
  const id = newId("ver");
  const key = `${deps.keyPrefix}/${id}/${deps.pkg.fileName}`;
  const plan = planSupersede([...existing, { id, version: deps.pkg.version, supersededBy: null }]);
  const { sha256, size } = await streamToR2({ bucket: deps.files, key, body: deps.pkg.body, httpMetadata: { contentType: "application/octet-stream" } });
  try {
    await deps.db.batch([
      deps.db.insert(schema.versions).values({
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
        .map((u) => deps.db.update(schema.versions).set({ supersededBy: u.supersededBy }).where(eq(schema.versions.id, u.id))),
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
    if (e instanceof Error && /UNIQUE/.test(e.message)) throw conflict("duplicate_version", `Version ${deps.pkg.version} is already published for this application.`);
    throw e;
  }
  return { id, version: deps.pkg.version, sha256, size, latest: plan.latestId === id };
}

const appSlug = (name: string) => slugify(name, { max: 60, fallback: "app" });

function systemCatalogInsert(db: Db, now: number) {
  return db.insert(schema.catalogs).values({ id: SYSTEM_CATALOG_ID, ownerType: "system", ownerId: "system", name: "Gatehouse software", createdAt: now }).onConflictDoNothing();
}

/** System admins add an application to the system catalog (audited). */
export async function addSystemApplication(deps: { db: Db; actor: Actor; name: string; vendor: string; now: number }) {
  const slug = appSlug(deps.name);
  if (!slug) throw invalidInput("Some fields need attention.", { name: ["Use letters or digits in the name."] });
  const taken = await deps.db
    .select({ id: schema.applications.id })
    .from(schema.applications)
    .where(and(eq(schema.applications.catalogId, SYSTEM_CATALOG_ID), eq(schema.applications.slug, slug)))
    .get();
  if (taken) throw conflict("duplicate_application", `An application called "${deps.name}" already exists.`, { fieldErrors: { name: ["Already in the catalog."] } });
  const id = newId("app");
  await deps.db.batch([
    systemCatalogInsert(deps.db, deps.now),
    deps.db.insert(schema.applications).values({ id, catalogId: SYSTEM_CATALOG_ID, slug, name: deps.name, vendor: deps.vendor, createdAt: deps.now }),
    auditInsert(deps.db, { actor: deps.actor, action: "software.application.add", target: { type: "application", id }, after: { name: deps.name, vendor: deps.vendor, slug }, at: deps.now }),
  ]);
  return { id, slug };
}

/** System admins add a version (file upload) to a system application. */
export async function addSystemVersion(deps: { db: Db; files: R2Bucket; actor: Actor; applicationId: string; version: string; file: PackageFile | null; maxBytes: number; now: number }) {
  const app = await deps.db
    .select()
    .from(schema.applications)
    .where(and(eq(schema.applications.id, deps.applicationId), eq(schema.applications.catalogId, SYSTEM_CATALOG_ID)))
    .get();
  if (!app) throw invalidInput("Some fields need attention.", { applicationId: ["Choose an application of the system catalog."] });
  const pkg = await checkPackage(deps);
  return publishVersion({ ...deps, tenantId: null, applicationId: app.id, keyPrefix: `system/${app.slug}`, source: "admin", pkg });
}

/** Why a tenant may or may not upload: Pro (a live MAX/ULTRA Organization entitlement) and the admin switch. */
export async function proUploadStatus(deps: { db: Db; tenantId: string; now: number }) {
  const tenant = await deps.db.select({ enabled: schema.tenants.proUploadsEnabled }).from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get();
  const ents = await deps.db
    .select({ tier: schema.tenantProductEntitlements.tier, status: schema.tenantProductEntitlements.status, validFrom: schema.tenantProductEntitlements.validFrom, validUntil: schema.tenantProductEntitlements.validUntil, graceUntil: schema.tenantProductEntitlements.graceUntil })
    .from(schema.tenantProductEntitlements)
    .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
    .where(and(eq(schema.tenantProductEntitlements.tenantId, deps.tenantId), eq(schema.products.key, "organization")));
  const pro = ents.some((e) => isLive(e, deps.now) && (PRO_TIERS as readonly string[]).includes(e.tier ?? ""));
  return { pro, enabled: Boolean(tenant?.enabled) };
}

export type UploadTarget = { tenantId: string; tenantName: string; userId: string };

/**
 * Who may upload where, decided before the request body is read: an active owner or admin of the
 * tenant (404 for anyone else), on the Pro plan (a live MAX/ULTRA Organization) with the admin's
 * switch on (403 otherwise).
 */
export async function requireUploadTarget(deps: { db: Db; userId: string; tenantSlug: string; now: number }): Promise<UploadTarget> {
  const tenant = await requireManagedTenant({ db: deps.db, userId: deps.userId, slug: deps.tenantSlug, refusal: "Only owners and admins can upload packages." });
  const status = await proUploadStatus({ db: deps.db, tenantId: tenant.id, now: deps.now });
  if (!status.pro) throw forbidden("Uploads are part of the Pro plan (the MAX or ULTRA tier of Organization).");
  if (!status.enabled) throw forbidden("Uploads are not switched on for this organisation yet. Ask Gatehouse support to enable them.");
  return { tenantId: tenant.id, tenantName: tenant.name, userId: deps.userId };
}

/** A Pro upload to a target from requireUploadTarget: the package passes every check, and a refusal stores nothing in R2 or D1. */
export async function proUpload(deps: { db: Db; files: R2Bucket; target: UploadTarget; application: string; version: string; file: PackageFile | null; maxBytes: number; now: number }) {
  const { target } = deps;
  const appName = deps.application.trim();
  const slug = appSlug(appName);
  if (!slug || appName.length > 80) throw invalidInput("Some fields need attention.", { application: ["Name the application (1 to 80 characters)."] });
  const pkg = await checkPackage(deps);
  const catalogId = `cat_${target.tenantId}`;
  let app = await deps.db
    .select({ id: schema.applications.id })
    .from(schema.applications)
    .where(and(eq(schema.applications.catalogId, catalogId), eq(schema.applications.slug, slug)))
    .get();
  if (!app) {
    const id = newId("app");
    // Creating the tenant's catalog and application is idempotent; a refused upload below leaves
    // at most this empty application behind, never a file or a version.
    await deps.db.batch([
      deps.db.insert(schema.catalogs).values({ id: catalogId, ownerType: "tenant", ownerId: target.tenantId, name: `${target.tenantName} software`, createdAt: deps.now }).onConflictDoNothing(),
      deps.db.insert(schema.applications).values({ id, catalogId, slug, name: appName, vendor: target.tenantName, createdAt: deps.now }).onConflictDoNothing(),
    ]);
    app = (await deps.db.select({ id: schema.applications.id }).from(schema.applications).where(and(eq(schema.applications.catalogId, catalogId), eq(schema.applications.slug, slug))).get())!;
  }
  return publishVersion({
    db: deps.db, files: deps.files, actor: { type: "user", id: target.userId }, tenantId: target.tenantId,
    applicationId: app.id, keyPrefix: `tenants/${target.tenantId}/${slug}`, source: "upload", pkg, now: deps.now,
  });
}

/** System admins switch Pro uploads on or off for a tenant (audited). */
export async function setProUploads(deps: { db: Db; actor: Actor; tenantId: string; enabled: boolean; now: number }) {
  const tenant = await deps.db.select({ enabled: schema.tenants.proUploadsEnabled }).from(schema.tenants).where(eq(schema.tenants.id, deps.tenantId)).get();
  if (!tenant) throw notFound("tenant");
  if (tenant.enabled === deps.enabled) return { changed: false };
  await deps.db.batch([
    deps.db.update(schema.tenants).set({ proUploadsEnabled: deps.enabled }).where(eq(schema.tenants.id, deps.tenantId)),
    auditInsert(deps.db, { actor: deps.actor, action: "tenant.pro_uploads", tenantId: deps.tenantId, target: { type: "tenant", id: deps.tenantId }, before: { enabled: tenant.enabled }, after: { enabled: deps.enabled }, at: deps.now }),
  ]);
  return { changed: true };
}

// ---- the version job ------------------------------------------------------------------------

// workerd's crypto has DigestStream; the DOM lib's Crypto type (from vite/client) hides it.
type WorkersCrypto = { DigestStream: typeof DigestStream };

export type FeedCounts = { applications: number; feedsRead: number; versionsAdded: number; entriesRejected: number; filesMissing: number; checksumMismatches: number };

const parseFeed = (text: string): FeedEntry[] | null => {
  try {
    const json: unknown = JSON.parse(text);
    const list = Array.isArray(json) ? json : (json as { versions?: unknown })?.versions;
    if (!Array.isArray(list)) return null;
    return list
      .filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null)
      .map((e) => ({ version: String(e.version ?? ""), key: String(e.key ?? e.file ?? ""), sha256: String(e.sha256 ?? "").toLowerCase() }));
  } catch {
    return null;
  }
};

/**
 * Reads feeds/<slug>.json from R2 for each system application and records versions it has not
 * published yet. Idempotent: the unique (application, version) index and INSERT OR IGNORE mean a
 * second run, or an unchanged feed, publishes nothing. One run at a time (a lease in `jobs`).
 */
export async function runVersionFeedJob(deps: { db: Db; files: R2Bucket; now: () => number }) {
  const { db } = deps;
  const counts: FeedCounts = { applications: 0, feedsRead: 0, versionsAdded: 0, entriesRejected: 0, filesMissing: 0, checksumMismatches: 0 };
  return runLeasedJob({ db, type: VERSION_FEED_JOB, now: deps.now, leaseMs: LEASE_MS }, counts, async ({ jobId, log }) => {
    const apps = await db.select().from(schema.applications).where(eq(schema.applications.catalogId, SYSTEM_CATALOG_ID));
    counts.applications = apps.length;
    for (const app of apps) {
      const feedObject = await deps.files.get(`feeds/${app.slug}.json`);
      if (!feedObject) continue;
      const feed = parseFeed(await feedObject.text());
      if (!feed) {
        log.push(`${app.slug}: feed is not valid JSON`);
        continue;
      }
      counts.feedsRead++;
      const existing = await db
        .select({ id: schema.versions.id, version: schema.versions.version, supersededBy: schema.versions.supersededBy })
        .from(schema.versions)
        .where(eq(schema.versions.applicationId, app.id));
      const { add, rejected } = newFeedEntries(existing.map((v) => v.version), feed);
      counts.entriesRejected += rejected.length;
      for (const r of rejected) log.push(`${app.slug}: rejected entry ${JSON.stringify(r)}`);
      const rows: { id: string; entry: FeedEntry; size: number; fileName: string }[] = [];
      for (const entry of add) {
        const object = await deps.files.get(entry.key);
        if (!object) {
          counts.filesMissing++;
          log.push(`${app.slug} ${entry.version}: ${entry.key} is not in the bucket; skipped`);
          continue;
        }
        // The feed's checksum is verified against the stored bytes (streamed, never buffered whole).
        const digest = new (crypto as unknown as WorkersCrypto).DigestStream("SHA-256");
        await object.body.pipeTo(digest);
        if (hex(await digest.digest) !== entry.sha256) {
          counts.checksumMismatches++;
          log.push(`${app.slug} ${entry.version}: ${entry.key} does not match the feed's sha256; skipped`);
          continue;
        }
        rows.push({ id: newId("ver"), entry, size: object.size, fileName: entry.key.split("/").pop() ?? `${app.slug}-${entry.version}` });
      }
      if (rows.length === 0) continue;
      const now = deps.now();
      const plan = planSupersede([...existing, ...rows.map((r) => ({ id: r.id, version: r.entry.version, supersededBy: null }))]);
      const supersededOf = (id: string) => (id === plan.latestId ? null : plan.latestId);
      await db.batch([
        auditInsert(db, { actor: { type: "scheduler", id: jobId }, action: "software.feed.publish", target: { type: "application", id: app.id }, after: { versions: rows.map((r) => r.entry.version) }, at: now }),
        ...rows.map((r) =>
          rawStatement(db, sql`
            INSERT OR IGNORE INTO versions (id, application_id, version, download_key, sha256, size, file_name, superseded_by, source, created_by, created_at)
            VALUES (${r.id}, ${app.id}, ${r.entry.version}, ${r.entry.key}, ${r.entry.sha256}, ${r.size}, ${r.fileName}, ${supersededOf(r.id)}, 'feed', ${jobId}, ${now})`),
        ),
        // Only rows that exist are re-pointed, and only while the new latest really was inserted.
        ...plan.updates
          .filter((u) => existing.some((e) => e.id === u.id))
          .map((u) =>
            rawStatement(db, sql`UPDATE versions SET superseded_by = ${u.supersededBy} WHERE id = ${u.id}
              AND (${u.supersededBy} IS NULL OR EXISTS (SELECT 1 FROM versions WHERE id = ${u.supersededBy}))`),
          ),
      ]);
      counts.versionsAdded += rows.length;
      log.push(`${app.slug}: published ${rows.map((r) => r.entry.version).join(", ")}`);
    }
  });
}

// ---- client licence compliance ---------------------------------------------------------------

const sha256Hex = async (s: string) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));

/** Owners and admins (re)generate the tenant's client licence token; the old one stops working. Shown once. */
export async function rotateLicenceToken(deps: { db: Db; userId: string; tenant: ManagedTenant; now: number }) {
  if (!canManage(deps.tenant.role)) throw forbidden("Only owners and admins can rotate the licence token.");
  const tenantId = deps.tenant.id;
  const token = `glt_${randomString(40)}`;
  const tokenHash = await sha256Hex(token);
  await deps.db.batch([
    deps.db
      .insert(schema.clientLicenceTokens)
      .values({ tenantId, tokenHash, createdBy: deps.userId, createdAt: deps.now })
      .onConflictDoUpdate({ target: schema.clientLicenceTokens.tenantId, set: { tokenHash, createdBy: deps.userId, createdAt: deps.now } }),
    auditInsert(deps.db, { actor: { type: "user", id: deps.userId }, action: "licence_token.rotate", tenantId, target: { type: "tenant", id: tenantId }, at: deps.now }),
  ]);
  return { token };
}

/** Licensed clients = the Organization seats of the tenant's live entitlements; observed = clients seen in 30 days. */
export async function clientSummary(deps: { db: Db; tenantId: string; now: number }) {
  const ents = await deps.db
    .select({ seats: schema.tenantProductEntitlements.quantitySeats, status: schema.tenantProductEntitlements.status, validFrom: schema.tenantProductEntitlements.validFrom, validUntil: schema.tenantProductEntitlements.validUntil, graceUntil: schema.tenantProductEntitlements.graceUntil })
    .from(schema.tenantProductEntitlements)
    .innerJoin(schema.products, eq(schema.products.id, schema.tenantProductEntitlements.productId))
    .where(and(eq(schema.tenantProductEntitlements.tenantId, deps.tenantId), eq(schema.products.key, "organization")));
  const licensed = ents.filter((e) => isLive(e, deps.now)).reduce((n, e) => n + e.seats, 0);
  const observed = await deps.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM client_checkins WHERE tenant_id = ${deps.tenantId} AND last_seen_at > ${deps.now - CLIENT_WINDOW_MS}`);
  const hasToken = Boolean(await deps.db.select({ t: schema.clientLicenceTokens.tenantId }).from(schema.clientLicenceTokens).where(eq(schema.clientLicenceTokens.tenantId, deps.tenantId)).get());
  const n = observed?.n ?? 0;
  return { licensed, observed: n, compliance: clientCompliance(licensed, n), hasToken };
}

export async function clientSummaries(deps: { db: Db; tenantIds: string[]; now: number }) {
  const out: Record<string, Awaited<ReturnType<typeof clientSummary>>> = {};
  for (const tenantId of deps.tenantIds) out[tenantId] = await clientSummary({ ...deps, tenantId });
  return out;
}

/** A client checks in with its tenant's licence token; each distinct client id counts once. */
export async function clientCheckIn(deps: { db: Db; token: string; clientId: string; now: number }) {
  const tokenHash = await sha256Hex(deps.token);
  const row = await deps.db.select({ tenantId: schema.clientLicenceTokens.tenantId }).from(schema.clientLicenceTokens).where(eq(schema.clientLicenceTokens.tokenHash, tokenHash)).get();
  if (!row) throw new AppError({ code: "invalid_token", status: 401, message: "Unknown or rotated licence token." });
  await deps.db
    .insert(schema.clientCheckins)
    .values({ id: newId("cli"), tenantId: row.tenantId, clientId: deps.clientId, firstSeenAt: deps.now, lastSeenAt: deps.now })
    .onConflictDoUpdate({ target: [schema.clientCheckins.tenantId, schema.clientCheckins.clientId], set: { lastSeenAt: deps.now } });
  const summary = await clientSummary({ db: deps.db, tenantId: row.tenantId, now: deps.now });
  return { licensed: summary.licensed, observed: summary.observed, compliance: summary.compliance };
}

/** System catalog for the admin console: applications with all their versions. */
export async function listSystemCatalog(deps: { db: Db }) {
  const apps = await deps.db.select().from(schema.applications).where(eq(schema.applications.catalogId, SYSTEM_CATALOG_ID)).orderBy(schema.applications.name);
  const vers = apps.length
    ? await deps.db.select().from(schema.versions).where(inArray(schema.versions.applicationId, apps.map((a) => a.id)))
    : [];
  return apps.map((a) => ({ ...a, versions: vers.filter((v) => v.applicationId === a.id).sort((x, y) => y.createdAt - x.createdAt) }));
}

/** The tenant software page: Pro upload status, client compliance and the tenant catalog's versions. */
export async function tenantSoftware(deps: { db: Db; tenantId: string; now: number }) {
  const catalogId = `cat_${deps.tenantId}`;
  const apps = await deps.db.select().from(schema.applications).where(eq(schema.applications.catalogId, catalogId)).orderBy(schema.applications.name);
  const vers = apps.length ? await deps.db.select().from(schema.versions).where(inArray(schema.versions.applicationId, apps.map((a) => a.id))) : [];
  return {
    proUploads: await proUploadStatus(deps),
    clients: await clientSummary(deps),
    applications: apps.map((a) => ({ ...a, versions: vers.filter((v) => v.applicationId === a.id).sort((x, y) => y.createdAt - x.createdAt) })),
  };
}
