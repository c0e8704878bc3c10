import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { getPublicRoadmap } from "../domain/roadmaps/roadmaps.server";

export const handle = { i18n: ["orgs"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.title}` : "Roadmap" }];

// Public: shown only while the roadmap is published and its tenant still has Organization access.
export async function loader({ params, context }: LoaderFunctionArgs) {
  const slug = params.slug ?? "";
  const roadmap = /^[a-z0-9-]{1,64}$/.test(slug) ? await getPublicRoadmap({ db: context.db, slug, now: context.now() }) : null;
  if (!roadmap) throw new Response("No such roadmap.", { status: 404 });
  return roadmap;
}

export default function PublicRoadmap() {
  const { t } = useTranslation("orgs");
  const roadmap = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{roadmap.title}</h1>
      <div className="pricing-grid">
        {(["now", "next", "later"] as const).map((c) => (
          <section className="card" key={c} aria-labelledby={`col-${c}`}>
            <h2 id={`col-${c}`}>{t(`publicRoadmap.${c}`)}</h2>
            <ul>
              {roadmap.items
                .filter((i) => i.column === c)
                .map((i, n) => (
                  <li key={n}>
                    <strong>{i.title}</strong>
                    {i.description ? <p className="muted">{i.description}</p> : null}
                  </li>
                ))}
            </ul>
          </section>
        ))}
      </div>
    </>
  );
}
