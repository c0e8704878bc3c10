import { eq, sql } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";
import { rawStatement } from "../../infra/d1/raw-statement.server";
import { hex } from "../../infra/hex";
import { newId } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { type FeedEntry, newFeedEntries, planSupersede, SYSTEM_CATALOG_ID } from "../software/rules";
import { runLeasedJob } from "./leased-run.server";

export const VERSION_FEED_JOB = "version_feed";
const LEASE_MS = 10 * 60 * 1000;

// workerd's crypto has DigestStream; the DOM lib's Crypto type (from vite/client) hides it.
type WorkersCrypto = { DigestStream: typeof DigestStream };

export type FeedCounts = {
  applications: number;
  feedsRead: number;
  versionsAdded: number;
  entriesRejected: number;
  filesMissing: number;
  checksumMismatches: number;
};

// A feed field as text: strings and numbers as written, anything else empty (and then rejected).
const field = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");

const parseFeed = (text: string): FeedEntry[] | null => {
  try {
    const json: unknown = JSON.parse(text);
    const list = Array.isArray(json) ? json : (json as { versions?: unknown })?.versions;
    if (!Array.isArray(list)) return null;
    return list
      .filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null)
      .map((e) => ({ version: field(e.version), key: field(e.key ?? e.file), sha256: field(e.sha256).toLowerCase() }));
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
  const counts: FeedCounts = {
    applications: 0,
    feedsRead: 0,
    versionsAdded: 0,
    entriesRejected: 0,
    filesMissing: 0,
    checksumMismatches: 0,
  };
  return runLeasedJob({ db, type: VERSION_FEED_JOB, now: deps.now, leaseMs: LEASE_MS }, counts, async ({ jobId, log }) => {
    const apps = await db.select().from(schema.softwareApplications).where(eq(schema.softwareApplications.catalogId, SYSTEM_CATALOG_ID));
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
        .select({
          id: schema.softwareVersions.id,
          version: schema.softwareVersions.version,
          supersededBy: schema.softwareVersions.supersededBy,
        })
        .from(schema.softwareVersions)
        .where(eq(schema.softwareVersions.applicationId, app.id));
      const { add, rejected } = newFeedEntries(
        existing.map((v) => v.version),
        feed,
      );
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
        auditInsert(db, {
          actor: { type: "scheduler", id: jobId },
          action: "software.feed.publish",
          target: { type: "application", id: app.id },
          after: { versions: rows.map((r) => r.entry.version) },
          at: now,
        }),
        ...rows.map((r) =>
          rawStatement(
            db,
            sql`
            INSERT OR IGNORE INTO software_versions (id, application_id, version, download_key, sha256, size, file_name, superseded_by, source, created_by, created_at)
            VALUES (${r.id}, ${app.id}, ${r.entry.version}, ${r.entry.key}, ${r.entry.sha256}, ${r.size}, ${r.fileName}, ${supersededOf(r.id)}, 'feed', ${jobId}, ${now})`,
          ),
        ),
        // Only rows that exist are re-pointed, and only while the new latest really was inserted.
        ...plan.updates
          .filter((u) => existing.some((e) => e.id === u.id))
          .map((u) =>
            rawStatement(
              db,
              sql`UPDATE software_versions SET superseded_by = ${u.supersededBy} WHERE id = ${u.id}
              AND (${u.supersededBy} IS NULL OR EXISTS (SELECT 1 FROM software_versions WHERE id = ${u.supersededBy}))`,
            ),
          ),
      ]);
      counts.versionsAdded += rows.length;
      log.push(`${app.slug}: published ${rows.map((r) => r.entry.version).join(", ")}`);
    }
  });
}
