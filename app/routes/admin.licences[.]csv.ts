import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { LicenceFilter, licencesCsv, listLicences } from "../domain/entitlements/licences.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context, { api: true });
  const filter = LicenceFilter.parse(Object.fromEntries(new URL(request.url).searchParams));
  const rows = await listLicences({
    db: context.db,
    product: filter.product || undefined,
    status: filter.status || undefined,
    now: context.now(),
  });
  return new Response(licencesCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="gatehouse-licences-${new Date(context.now()).toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
