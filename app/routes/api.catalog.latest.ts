import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { listLatest } from "../domain/software/catalog.server";
import { requireAccess, requireSession } from "../infra/auth/guards.server";
import { jsonResponse } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

// GET: the latest version of every application the signed-in user may download (401 signed out, 403 without access).
export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireSession(context, request, { api: true });
  return runJson(async () => {
    const viewer = {
      userId: session.user.id,
      isSystemAdmin: session.user.isSystemAdmin,
      access: await requireAccess(context, request, { api: true }),
    };
    const apps = await listLatest({ db: context.db, viewer });
    return jsonResponse({
      applications: apps.map((a) => ({
        id: a.id,
        name: a.name,
        vendor: a.vendor,
        catalog: a.catalog.ownerType === "system" ? "system" : a.catalog.name,
        latest: {
          version: a.latest.version,
          sha256: a.latest.sha256,
          size: a.latest.size,
          createdAt: a.latest.createdAt,
          downloadUrl: a.latest.downloadUrl,
        },
      })),
    });
  });
}
