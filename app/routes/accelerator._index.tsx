import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { getCourseOutline } from "../domain/catalog/course.server";
import { requireFeature } from "../infra/auth/access-guards.server";
import { LockedBoundary } from "../components/locked";
import { useTranslation } from "react-i18next";

export const meta: MetaFunction = () => [{ title: "Accelerator · Gatehouse" }];

// Gated: this loader checks access itself (a parent check would not protect .data requests).
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireFeature(context, request, "accelerator.course");
  return { outline: await getCourseOutline({ db: context.db }) };
}

export default function AcceleratorIndex() {
  const { t } = useTranslation();
  const { outline } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("nav.accelerator")}</h1>
      <p className="muted">{t("accelerator.tagline")}</p>
      {outline.map((m, i) => (
        <section className="card" key={m.slug} aria-labelledby={`module-${m.slug}`}>
          <h2 id={`module-${m.slug}`}>{t("accelerator.module", { number: i + 1, title: m.title })}</h2>
          <p className="muted">{m.summary}</p>
          <ol>
            {m.lessons.map((l) => (
              <li key={l.slug}>
                <Link to={`/accelerator/${m.slug}/${l.slug}`}>{l.title}</Link>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </>
  );
}

export const ErrorBoundary = LockedBoundary;
