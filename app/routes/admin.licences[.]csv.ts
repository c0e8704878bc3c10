import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { licenceProducts, readLicenceFilter, licencesCsv, listLicences } from "../domain/entitlements/licences.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context, { api: true });
  const products = await licenceProducts({ db: context.db });
  const filter = readLicenceFilter(
    request.url,
    products.map((p) => p.key),
  );
  const rows = await listLicences({ db: context.db, filter, now: context.now() });
  return new Response(licencesCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="gatehouse-licences-${new Date(context.now()).toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
