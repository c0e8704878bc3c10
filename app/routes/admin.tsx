import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Outlet } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminBoundary, AdminNav } from "../components/admin";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["admin"] };

// The admin pages have no meta of their own: they keep this title.
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

// The layout checks too, but every child loader and action checks for itself (.data requests skip layouts).
export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return { title: await pageTitle(context, "admin:title") };
}

export default function AdminLayout() {
  const { t } = useTranslation("admin");
  return (
    <>
      <h1>{t("title")}</h1>
      <AdminNav />
      <Outlet />
    </>
  );
}

export const ErrorBoundary = AdminBoundary;
