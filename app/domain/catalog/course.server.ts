import { asc, eq } from "drizzle-orm";
import { type Db, schema } from "../../infra/d1/db.server";

export type CourseOutline = { slug: string; title: string; summary: string; lessons: { slug: string; title: string }[] }[];

/** The Accelerator course outline (modules and lesson titles, no lesson bodies). */
export async function getCourseOutline(deps: { db: Db }): Promise<CourseOutline> {
  const rows = await deps.db
    .select({
      moduleSlug: schema.courseModules.slug,
      moduleTitle: schema.courseModules.title,
      summary: schema.courseModules.summary,
      lessonSlug: schema.courseLessons.slug,
      lessonTitle: schema.courseLessons.title,
    })
    .from(schema.courseModules)
    .innerJoin(schema.courseLessons, eq(schema.courseLessons.moduleId, schema.courseModules.id))
    .orderBy(asc(schema.courseModules.position), asc(schema.courseLessons.position));
  const outline: CourseOutline = [];
  for (const r of rows) {
    let m = outline.find((x) => x.slug === r.moduleSlug);
    if (!m) outline.push((m = { slug: r.moduleSlug, title: r.moduleTitle, summary: r.summary, lessons: [] }));
    m.lessons.push({ slug: r.lessonSlug, title: r.lessonTitle });
  }
  return outline;
}

export type Lesson = { moduleTitle: string; moduleSlug: string; title: string; slug: string; body: string };

/**
 * One lesson by its module's and its own slug, as a page statement (ADR 022): it rides in the
 * session lookup's batch, and the page returns it only once access has been decided.
 */
export function lessonStatement(d1: D1Database, moduleSlug: string, lessonSlug: string): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT m.title AS moduleTitle, m.slug AS moduleSlug, l.title, l.slug, l.body
         FROM course_lessons l JOIN course_modules m ON m.id = l.module_id
        WHERE m.slug = ? AND l.slug = ?`,
    )
    .bind(moduleSlug, lessonSlug);
}

/** The lesson from `lessonStatement`'s rows, or null when there is none. */
export const lessonFromRows = (rows: unknown[] | undefined): Lesson | null => (rows?.[0] as Lesson | undefined) ?? null;
