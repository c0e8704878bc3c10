import { and, asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import { type Db, schema } from "../../infra/d1/db.server";
import { newId } from "../../infra/ids";
import { auditInsert } from "../audit/audit.server";
import { tenantFeatures, tenantHoldsFeature } from "../entitlements/feature-grants.server";
import { AppError, conflict, withValues } from "../errors";
import { safeText } from "../input";
import { type ManagedTenant } from "../seats/seats.server";

export const RoadmapItemInput = z.object({
  title: safeText(
    z.string({ error: "Title is required." }).trim().min(1, "Title is required.").max(120, "Keep the title under 120 characters."),
    { label: "Title" },
  ),
  description: safeText(z.string().trim().max(2000, "Keep the description under 2000 characters."), {
    label: "Description",
    multiline: true,
  }).default(""),
  column: z.enum(["now", "next", "later"], { error: "Pick now, next or later." }),
});

/** The limit feature that caps how many items a published roadmap shows (ADR 018 amendment); where to get more. */
export const ROADMAP_ITEMS_FEATURE = "roadmap.items.max";
export const ROADMAP_UPGRADE_URL = "/pricing";

/**
 * The tenant's roadmap item limit: the largest live `roadmap.items.max` its entitlements and grants
 * give, or null for no limit (what the seeded catalog gives: the feature exists, no product grants it).
 */
async function roadmapItemLimit(db: Db, tenantId: string, now: number) {
  const sized = (await tenantFeatures({ db, tenantId, now })).filter((f) => f.key === ROADMAP_ITEMS_FEATURE && f.live && f.limit !== null);
  return sized.length ? { limit: Math.max(...sized.map((f) => f.limit ?? 0)), name: sized[0]!.name } : null;
}

/** A published roadmap may not hold more items than the tenant's limit: a 409 naming the feature, its limit and the upgrade. */
async function checkItemLimit(db: Db, tenantId: string, items: number, now: number) {
  const cap = await roadmapItemLimit(db, tenantId, now);
  if (!cap || items <= cap.limit) return;
  throw conflict(
    "limit_reached",
    withValues(
      "A published roadmap holds at most {{count}} items on your plan ({{name}}, {{feature}}); this one would hold {{items}}. " +
        "Remove items, or upgrade for a larger limit: {{upgradeUrl}}",
      { count: cap.limit, name: cap.name, feature: ROADMAP_ITEMS_FEATURE, items, upgradeUrl: ROADMAP_UPGRADE_URL },
    ),
    { json: { feature: ROADMAP_ITEMS_FEATURE, limit: cap.limit, upgradeUrl: ROADMAP_UPGRADE_URL } },
  );
}

const itemCount = async (db: Db, roadmapId: string) =>
  (await db.select({ n: count() }).from(schema.roadmapItems).where(eq(schema.roadmapItems.roadmapId, roadmapId)).get())?.n ?? 0;

/** The tenant a roadmap belongs to, from memberTenant (seats.server): any active member edits. */
export type MemberTenant = Pick<ManagedTenant, "id" | "name" | "slug" | "role">;

export type RoadmapItemView = { id: string; title: string; description: string; column: string; position: number };

/**
 * The roadmap of the tenant behind `slug` (`?2`) for its active member `user` (an SQL expression over
 * `?1`), as one statement for a page's batch (ADR 022): one row per item (in getRoadmap's order), or
 * one row with a null item when it has none; no row without a roadmap or a membership.
 */
export function roadmapStatement(d1: D1Database, user: string, key: string, slug: string): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT r.published, i.id, i.title, i.description, i."column", i.position
         FROM roadmaps r JOIN tenants t ON t.id = r.tenant_id
         JOIN tenant_memberships m ON m.tenant_id = t.id AND m.user_id = ${user} AND m.status = 'active'
         LEFT JOIN roadmap_items i ON i.roadmap_id = r.id
        WHERE t.slug = ?2
        ORDER BY i."column", i.position, i.created_at`,
    )
    .bind(key, slug);
}

/** The rows of `roadmapStatement` as whether it is published and its items. */
export function roadmapFromRows(rows: unknown[]): { published: boolean; items: RoadmapItemView[] } {
  const r = rows as (Omit<RoadmapItemView, "id"> & { id: string | null; published: number | null })[];
  return {
    published: Boolean(r[0]?.published),
    items: r.filter((i) => i.id !== null).map(({ published: _published, ...i }) => ({ ...i, id: i.id! })),
  };
}

export async function getRoadmap(deps: { db: Db; tenantId: string }) {
  const roadmap = await deps.db.select().from(schema.roadmaps).where(eq(schema.roadmaps.tenantId, deps.tenantId)).get();
  const items = roadmap
    ? await deps.db
        .select()
        .from(schema.roadmapItems)
        .where(eq(schema.roadmapItems.roadmapId, roadmap.id))
        .orderBy(asc(schema.roadmapItems.column), asc(schema.roadmapItems.position), asc(schema.roadmapItems.createdAt))
    : [];
  return { roadmap: roadmap ?? null, items };
}

async function ensureRoadmap(db: Db, tenant: MemberTenant, now: number) {
  await db
    .insert(schema.roadmaps)
    .values({ id: newId("rm"), tenantId: tenant.id, title: `${tenant.name} roadmap`, published: false, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  return (await db.select().from(schema.roadmaps).where(eq(schema.roadmaps.tenantId, tenant.id)).get())!;
}

export async function addRoadmapItem(deps: { db: Db; tenant: MemberTenant; input: z.infer<typeof RoadmapItemInput>; now: number }) {
  const roadmap = await ensureRoadmap(deps.db, deps.tenant, deps.now);
  // While the roadmap is public, its limit holds for every new item.
  if (roadmap.published) await checkItemLimit(deps.db, deps.tenant.id, (await itemCount(deps.db, roadmap.id)) + 1, deps.now);
  await deps.db.insert(schema.roadmapItems).values({
    id: newId("rmi"),
    roadmapId: roadmap.id,
    title: deps.input.title,
    description: deps.input.description,
    column: deps.input.column,
    position: deps.now,
    createdAt: deps.now,
    updatedAt: deps.now,
  });
}

export async function updateRoadmapItem(deps: {
  db: Db;
  tenant: MemberTenant;
  itemId: string;
  input: z.infer<typeof RoadmapItemInput>;
  now: number;
}) {
  const roadmap = await ensureRoadmap(deps.db, deps.tenant, deps.now);
  const res = await deps.db
    .update(schema.roadmapItems)
    .set({ ...deps.input, updatedAt: deps.now })
    .where(and(eq(schema.roadmapItems.id, deps.itemId), eq(schema.roadmapItems.roadmapId, roadmap.id)))
    .run();
  if (res.meta.changes === 0) throw new AppError({ code: "not_found", status: 404, message: "No such roadmap item." });
}

export async function deleteRoadmapItem(deps: { db: Db; tenant: MemberTenant; itemId: string; now: number }) {
  const roadmap = await ensureRoadmap(deps.db, deps.tenant, deps.now);
  const res = await deps.db
    .delete(schema.roadmapItems)
    .where(and(eq(schema.roadmapItems.id, deps.itemId), eq(schema.roadmapItems.roadmapId, roadmap.id)))
    .run();
  if (res.meta.changes === 0) throw new AppError({ code: "not_found", status: 404, message: "No such roadmap item." });
}

/**
 * Publishing is a feature (roadmap.publish): the caller checks the user's access before calling this.
 * A roadmap with more items than the tenant's `roadmap.items.max` is not published (409).
 */
export async function setRoadmapPublished(deps: { db: Db; tenant: MemberTenant; userId: string; published: boolean; now: number }) {
  const roadmap = await ensureRoadmap(deps.db, deps.tenant, deps.now);
  if (roadmap.published === deps.published) return;
  if (deps.published) await checkItemLimit(deps.db, deps.tenant.id, await itemCount(deps.db, roadmap.id), deps.now);
  await deps.db.batch([
    deps.db
      .update(schema.roadmaps)
      .set({ published: deps.published, publishedAt: deps.published ? deps.now : roadmap.publishedAt, updatedAt: deps.now })
      .where(eq(schema.roadmaps.id, roadmap.id)),
    auditInsert(deps.db, {
      actor: { type: "user", id: deps.userId },
      action: deps.published ? "roadmap.published" : "roadmap.unpublished",
      tenantId: deps.tenant.id,
      target: { type: "roadmap", id: roadmap.id },
      before: { published: roadmap.published },
      after: { published: deps.published },
      at: deps.now,
    }),
  ]);
}

/** A published roadmap, only while its tenant still holds the publishing feature (ADR 018). */
export async function getPublicRoadmap(deps: { db: Db; slug: string; now: number }) {
  const tenant = await deps.db.select().from(schema.tenants).where(eq(schema.tenants.slug, deps.slug)).get();
  if (!tenant) return null;
  const { roadmap, items } = await getRoadmap({ db: deps.db, tenantId: tenant.id });
  if (!roadmap?.published) return null;
  if (!(await tenantHoldsFeature({ db: deps.db, tenantId: tenant.id, feature: "roadmap.publish", now: deps.now }))) return null;
  return {
    tenantName: tenant.name,
    title: roadmap.title,
    items: items.map((i) => ({ title: i.title, description: i.description, column: i.column })),
  };
}
