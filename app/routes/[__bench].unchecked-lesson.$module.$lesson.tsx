// BENCH_MODE only (`npm run bench`): the Accelerator lesson page minus its entitlement check, so the
// bench can price the access check against the same render. 404 unless BENCH_MODE is "1". It still
// requires the session, as the gated page does first, so the two differ by the access query alone.
// (The brackets keep `__bench` a URL segment; a bare leading underscore would make it pathless.)
import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { getLesson } from "../domain/catalog/course.server";
import { requireSession } from "../infra/auth/guards.server";
import { isBenchMode } from "../infra/env.server";

export { default, ErrorBoundary, meta } from "./accelerator.$module.$lesson";

const SLUG = /^[a-z0-9-]{1,64}$/;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  if (!isBenchMode(context.cloudflare.env)) throw new Response("Not found", { status: 404 });
  await requireSession(context, request);
  const moduleSlug = params.module ?? "";
  const lessonSlug = params.lesson ?? "";
  const lesson = SLUG.test(moduleSlug) && SLUG.test(lessonSlug) ? await getLesson({ db: context.db, moduleSlug, lessonSlug }) : null;
  if (!lesson) throw new Response("No such lesson.", { status: 404 });
  return { lesson };
}
