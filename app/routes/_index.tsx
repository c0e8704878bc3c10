import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Link } from "@remix-run/react";
import { Trans, useTranslation } from "react-i18next";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.title ?? "Gatehouse" },
  { name: "description", content: data?.description ?? "" },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const { t } = await context.i18n();
  return { title: t("home.title"), description: t("home.description") };
}

export default function Index() {
  const { t } = useTranslation();
  return (
    <section className="card">
      <h1>{t("home.heading")}</h1>
      <p>
        <Trans t={t} i18nKey="home.body" components={{ strong: <strong /> }} />
      </p>
      <p>
        <Link to="/pricing" className="button">
          {t("home.pricing")}
        </Link>
      </p>
    </section>
  );
}
