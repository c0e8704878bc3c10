import { type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { openDownload } from "../domain/software/download.server";
import { requireAccess, requireSession } from "../infra/auth/guards.server";
import { parseWith } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

const Params = z.object({ versionId: z.string().regex(/^ver_[0-9a-z]{1,40}$/, "Unknown version.") });

// GET /downloads/:versionId streams the file from R2 after this request's own access check.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const session = await requireSession(context, request);
  return runJson(async () => {
    const { versionId } = parseWith(Params, params);
    const viewer = { userId: session.user.id, isSystemAdmin: session.user.isSystemAdmin, access: await requireAccess(context, request) };
    return await openDownload({ db: context.db, files: context.files, viewer, versionId });
  });
}
