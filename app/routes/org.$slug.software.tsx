import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { Form, isRouteErrorResponse, Link, useActionData, useLoaderData, useRouteError } from "@remix-run/react";
import { z } from "zod";
import { tenantSoftware } from "../domain/software/catalog.server";
import { rotateLicenceToken } from "../domain/software/client-licences.server";
import { proUpload, requireUploadTarget } from "../domain/software/publishing.server";
import { formatBytes } from "../domain/software/rules";
import { refuseDeclaredOversize, withUploadForm } from "../domain/software/upload-form.server";
import { safeText } from "../domain/input";
import { requireAccess, requireSession, requireTenantManager } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { FieldError, FormMessage } from "../components/field";
import { parseWith, readForm } from "../infra/http/responses.server";
import { SubmitButton } from "../components/submit-button";

export const meta: MetaFunction = () => [{ title: "Software · Gatehouse" }];

// Owners and admins only: the client licence token, client compliance and Pro uploads.
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  const software = await tenantSoftware({
    db: context.db,
    tenantId: tenant.id,
    now: context.now(),
    ceiling: context.config.UPLOAD_MAX_BYTES,
  });
  return { tenant, maxBytes: software.proUploads.maxBytes, ...software };
}

const Upload = z.object({
  application: safeText(z.string().trim().min(1, "Name the application.").max(80), { label: "Application name" }),
  version: z.string().trim().min(1, "Give a version.").max(64),
});

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { user } = await requireSession(context, request);
  const tenant = await requireTenantManager(context, params.slug);
  const now = context.now();
  return runAction(async (form) => {
    // The declared size, and for uploads the plan and the upload switch, are checked before the body is read.
    const ceiling = context.config.UPLOAD_MAX_BYTES;
    refuseDeclaredOversize(request, ceiling);
    const multipart = (request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("multipart/form-data");
    if (!multipart) {
      const form = await readForm(request);
      parseWith(z.object({ intent: z.literal("rotate_token", { error: "Unknown action." }) }), form);
      const { token } = await rotateLicenceToken({ db: context.db, userId: user.id, tenant, now });
      return { message: "New licence token created. Copy it now: it is shown only once.", token };
    }
    const access = await requireAccess(context, request);
    const target = await requireUploadTarget({ db: context.db, userId: user.id, tenantSlug: tenant.slug, now, ceiling, access });
    return withUploadForm(request, target.limit, async ({ fields, file }) => {
      const input = form.parse(fields, Upload);
      const v = await proUpload({ db: context.db, files: context.files, target, ...input, file, now });
      return `Uploaded version ${v.version} (SHA-256 ${v.sha256}).`;
    });
  }, "Done.");
}

const mb = formatBytes;

export default function TenantSoftware() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const canUpload = d.proUploads.pro && d.proUploads.enabled;
  const [uploadForm, upload] = useForm<{ application: string; version: string; file: File }>({
    id: "upload",
    lastResult: result?.submission,
  });
  return (
    <main className="stack">
      <p>
        <Link to="/dashboard">← Dashboard</Link>
      </p>
      <h1>{d.tenant.name}: software</h1>
      <FormMessage result={result} />

      <section className="card" aria-labelledby="clients">
        <h2 id="clients">Licensed clients</h2>
        <p>
          <strong data-testid="clients-observed">{d.clients.observed}</strong> clients observed in the last 30 days of{" "}
          <strong data-testid="clients-licensed">{d.clients.licensed}</strong> licensed ·{" "}
          {d.clients.compliance === "ok" ? "within your licence" : "over your licence: buy more seats or retire clients"}
        </p>
        <p className="muted">
          Installed clients check in with POST /api/clients/check-in {"{ token, clientId }"}.{" "}
          {d.clients.hasToken ? "A token is set." : "No token yet."}
        </p>
        {result?.token ? (
          <p>
            Licence token: <code data-testid="licence-token">{result.token}</code>
          </p>
        ) : null}
        <Form method="post">
          <input type="hidden" name="intent" value="rotate_token" />
          <SubmitButton className="button button-secondary" pendingLabel="Creating token...">
            {d.clients.hasToken ? "Rotate licence token" : "Create licence token"}
          </SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="uploads">
        <h2 id="uploads">Upload a package</h2>
        {!d.proUploads.pro ? <p>Uploading your own MSI or EXE packages is part of the Pro plan (the MAX or ULTRA tier).</p> : null}
        {d.proUploads.pro && !d.proUploads.enabled ? (
          <p>Uploads are not switched on for this organisation yet. Ask Gatehouse support to enable them.</p>
        ) : null}
        {canUpload ? (
          <Form method="post" encType="multipart/form-data" className="stack" {...getFormProps(uploadForm)}>
            <label>
              Application{" "}
              <input {...getInputProps(upload.application, { type: "text" })} key={upload.application.key} required maxLength={80} />
            </label>
            <FieldError meta={upload.application} />
            <label>
              Version{" "}
              <input
                {...getInputProps(upload.version, { type: "text" })}
                key={upload.version.key}
                required
                placeholder="1.2.3"
                maxLength={64}
              />
            </label>
            <FieldError meta={upload.version} />
            <label>
              Package (.msi or .exe, at most {mb(d.maxBytes)}){" "}
              <input {...getInputProps(upload.file, { type: "file" })} key={upload.file.key} accept=".msi,.exe" required />
            </label>
            <FieldError meta={upload.file} />
            <SubmitButton pendingLabel="Uploading...">Upload</SubmitButton>
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="tenant-catalog">
        <h2 id="tenant-catalog">Your catalog</h2>
        {d.applications.length === 0 ? <p>No packages uploaded yet.</p> : null}
        {d.applications.map((a) => (
          <div key={a.id}>
            <h3>{a.name}</h3>
            <ul>
              {a.versions.map((v) => (
                <li key={v.id}>
                  {v.version} · {mb(v.size)} · {v.supersededBy ? "superseded" : "latest"} · <a href={`/downloads/${v.id}`}>Download</a>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
    </main>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    return (
      <section className="card narrow">
        <h1>{error.status === 404 ? "Not found" : "Not allowed"}</h1>
        <p>{(error.data as { message?: string } | null)?.message ?? error.statusText}</p>
        <Link to="/dashboard">Back to your dashboard</Link>
      </section>
    );
  }
  throw error;
}
