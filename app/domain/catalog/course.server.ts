import { and, asc, eq } from "drizzle-orm";
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

export async function getLesson(deps: { db: Db; moduleSlug: string; lessonSlug: string }) {
  return deps.db
    .select({
      moduleTitle: schema.courseModules.title,
      moduleSlug: schema.courseModules.slug,
      title: schema.courseLessons.title,
      slug: schema.courseLessons.slug,
      body: schema.courseLessons.body,
    })
    .from(schema.courseLessons)
    .innerJoin(schema.courseModules, eq(schema.courseModules.id, schema.courseLessons.moduleId))
    .where(and(eq(schema.courseModules.slug, deps.moduleSlug), eq(schema.courseLessons.slug, deps.lessonSlug)))
    .get();
}
