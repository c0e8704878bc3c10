import { useTranslation } from "react-i18next";
import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { lessonFromRows, lessonStatement } from "../domain/catalog/course.server";
import { requireFeature } from "../infra/auth/access-guards.server";
import { requirePage } from "../infra/auth/guards.server";
import { LockedBoundary } from "../components/locked";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.lesson.title ?? "Lesson"} · Accelerator` }];

const SLUG = /^[a-z0-9-]{1,64}$/;

// Gated: the lesson is read in the session lookup's round trip (ADR 022), and nothing about it
// leaves the loader before access has been decided.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const moduleSlug = params.module ?? "";
  const lessonSlug = params.lesson ?? "";
  const known = SLUG.test(moduleSlug) && SLUG.test(lessonSlug);
  const { rows } = await requirePage(context, request, (d1) => (known ? [lessonStatement(d1, moduleSlug, lessonSlug)] : []));
  await requireFeature(context, request, "accelerator.course");
  const lesson = known ? lessonFromRows(rows[0]) : null;
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
