import { type ActionFunctionArgs } from "@remix-run/cloudflare";
import { z } from "zod";
import { proUpload } from "../domain/downloads/software.server";
import { readUploadForm } from "../domain/downloads/upload-form.server";
import { requireSession } from "../infra/auth/guards.server";
import { methodNotAllowed } from "../infra/http/method-not-allowed.server";
import { appErrorToJson, jsonResponse, parseWith } from "../infra/http/responses.server";

const Fields = z.object({
  tenant: z.string({ error: "tenant (the organisation's slug) is required." }).min(1).max(80),
  application: z.string({ error: "application is required." }).min(1).max(80),
  version: z.string({ error: "version is required." }).min(1).max(64),
});

// POST multipart { tenant, application, version, file } -> 201 { id, version, sha256, size }.
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireSession(context, request, { api: true });
  if (request.method !== "POST") return methodNotAllowed("POST");
  try {
    const maxBytes = context.config.UPLOAD_MAX_BYTES;
    const { fields, file } = await readUploadForm(request, maxBytes);
    const input = parseWith(Fields, fields);
    const result = await proUpload({
      db: context.db,
      files: context.cloudflare.env.FILES,
      userId: session.user.id,
      tenantSlug: input.tenant,
      application: input.application,
      version: input.version,
      file,
      maxBytes,
      now: context.now(),
    });
    return jsonResponse(result, { status: 201 });
  } catch (e) {
    return appErrorToJson(e);
  }
}

export async function loader({ request, context }: ActionFunctionArgs) {
  await requireSession(context, request, { api: true });
  return methodNotAllowed("POST");
}
