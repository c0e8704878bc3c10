import { useTranslation } from "react-i18next";
import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { getLesson } from "../domain/catalog/course.server";
import { requireFeature } from "../infra/auth/access-guards.server";
import { LockedBoundary } from "../components/locked";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.lesson.title ?? "Lesson"} · Accelerator` }];

const SLUG = /^[a-z0-9-]{1,64}$/;

// Gated: access is checked before anything about the lesson is read.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireFeature(context, request, "accelerator.course");
  const moduleSlug = params.module ?? "";
  const lessonSlug = params.lesson ?? "";
  const lesson = SLUG.test(moduleSlug) && SLUG.test(lessonSlug) ? await getLesson({ db: context.db, moduleSlug, lessonSlug }) : null;
  if (!lesson) throw new Response("No such lesson.", { status: 404 }); // translated by the error page (messages)
  return { lesson };
}

export default function Lesson() {
  const { t } = useTranslation();
  const { lesson } = useLoaderData<typeof loader>();
  return (
    <article className="card">
      <p className="muted">
        <Link to="/accelerator">{t("nav.accelerator")}</Link> / {lesson.moduleTitle}
      </p>
      <h1>{lesson.title}</h1>
      {lesson.body.split("\n\n").map((para, i) => (
        <p key={i}>{para}</p>
      ))}
    </article>
  );
}

export const ErrorBoundary = LockedBoundary;
