import { type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Outlet } from "@remix-run/react";
import { AdminBoundary, AdminNav } from "../components/admin";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";

export const meta: MetaFunction = () => [{ title: "Admin · Gatehouse" }];

// The layout checks too, but every child loader and action checks for itself (.data requests skip layouts).
export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return null;
}

export default function AdminLayout() {
  return (
    <>
      <h1>Admin</h1>
      <AdminNav />
      <Outlet />
    </>
  );
}

export const ErrorBoundary = AdminBoundary;
