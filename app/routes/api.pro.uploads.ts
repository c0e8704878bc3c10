import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { proUpload, requireUploadTarget } from "../domain/software/publishing.server";
import { refuseDeclaredOversize, withUploadForm } from "../domain/software/upload-form.server";
import { safeText } from "../domain/input";
import { requireAccess, requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { jsonResponse, parseWith } from "../infra/http/responses.server";
import { runJson } from "../infra/http/action-result.server";

const Query = z.object({
  tenant: z.string({ error: "tenant (the organisation's slug) is required in the query: /api/pro/uploads?tenant=<slug>." }).min(1).max(80),
});

const Fields = z.object({
  // Optional in the body (older clients send it there); when present it must match the query.
  tenant: z.string().max(80).optional(),
  application: safeText(z.string({ error: "application is required." }).min(1).max(80), { label: "application" }),
  version: z.string({ error: "version is required." }).min(1).max(64),
});
const fieldsFor = (tenant: string) =>
  Fields.refine((f) => f.tenant === undefined || f.tenant === tenant, {
    path: ["tenant"],
    message: "The form's tenant does not match ?tenant= in the URL.",
  });

// POST /api/pro/uploads?tenant=<slug>, multipart { application, version, file } -> 201 { id, version, sha256, size }.
// Who may upload, and the declared size, are checked before a byte of the body is read.
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireSession(context, request, { api: true });
  if (request.method !== "POST") return methodNotAllowed("POST");
  return runJson(async () => {
    const ceiling = context.config.UPLOAD_MAX_BYTES;
    const query = parseWith(Query, Object.fromEntries(new URL(request.url).searchParams));
    refuseDeclaredOversize(request, ceiling);
    const target = await requireUploadTarget({
      db: context.db,
      userId: session.user.id,
      tenantSlug: query.tenant,
      now: context.now(),
      ceiling,
      access: await requireAccess(context, request, { api: true }),
    });
    // The tenant's upload size limit (a limit feature, ADR 018): a larger declared body is refused before it is read.
    return withUploadForm(request, target.limit, async ({ fields, file }) => {
      const input = parseWith(fieldsFor(query.tenant), fields);
      const result = await proUpload({
        db: context.db,
        files: context.files,
        target,
        application: input.application,
        version: input.version,
        file,
        now: context.now(),
      });
      return jsonResponse(result, { status: 201 });
    });
  });
}

export async function loader({ request, context }: ActionFunctionArgs) {
  await requireSession(context, request, { api: true });
  return methodNotAllowed("POST");
}
