import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { Form, isRouteErrorResponse, Link, useActionData, useLoaderData, useRouteError } from "@remix-run/react";
import { z } from "zod";
import { tenantSoftware } from "../domain/software/catalog.server";
import { rotateLicenceToken } from "../domain/software/client-licences.server";
import { proUpload, requireUploadTarget } from "../domain/software/publishing.server";
import { refuseDeclaredOversize, withUploadForm } from "../domain/software/upload-form.server";
import { safeText } from "../domain/input";
import { requireAccess, requireSession, requireTenantManager } from "../infra/auth/guards.server";
import { runAction } from "../infra/http/action-result.server";
import { FieldError, FormMessage } from "../components/field";
import { parseWith, readForm } from "../infra/http/responses.server";
import { SubmitButton } from "../components/submit-button";
import { Trans, useTranslation } from "react-i18next";
import { formatBytes, formatNumber } from "../i18n/format";
import { type MessageI18n } from "../domain/errors";
import { translateMessage } from "../i18n/messages";
import { usePageLocale } from "../i18n/use-page-locale";
import { pageTitle } from "../infra/i18n/locale.server";

export const handle = { i18n: ["orgs"] };

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.title ?? "Gatehouse" }];

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
  return { tenant, maxBytes: software.proUploads.maxBytes, ...software, title: await pageTitle(context, "orgs:software.title") };
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
      const { t } = await context.i18n();
      return { message: t("orgs:software.tokenCreated"), token };
    }
    const access = await requireAccess(context, request);
    const target = await requireUploadTarget({ db: context.db, userId: user.id, tenantSlug: tenant.slug, now, ceiling, access });
    return withUploadForm(request, target.limit, async ({ fields, file }) => {
      const input = form.parse(fields, Upload);
      const v = await proUpload({ db: context.db, files: context.files, target, ...input, file, now });
      const { t } = await context.i18n();
      return t("orgs:software.uploaded", { version: v.version, sha256: v.sha256 });
    });
  }, "Done.");
}

export default function TenantSoftware() {
  const { t } = useTranslation("orgs");
  const locale = usePageLocale();
  const mb = (bytes: number) => formatBytes(bytes, locale);
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
        <Link to="/dashboard">← {t("common:nav.dashboard")}</Link>
      </p>
      <h1>{t("software.heading", { organisation: d.tenant.name })}</h1>
      <FormMessage result={result} />

      <section className="card" aria-labelledby="clients">
        <h2 id="clients">{t("software.clientsTitle")}</h2>
        <p>
          <Trans
            t={t}
            i18nKey="software.clientsObserved"
            count={d.clients.observed}
            values={{
              observed: formatNumber(d.clients.observed, locale),
              licensed: formatNumber(d.clients.licensed, locale),
              state: t(d.clients.compliance === "ok" ? "software.withinLicence" : "software.overLicence"),
            }}
            components={{ observed: <strong data-testid="clients-observed" />, licensed: <strong data-testid="clients-licensed" /> }}
          />
        </p>
        <p className="muted">
          {t("software.checkIn", { endpoint: "POST /api/clients/check-in", body: "{ token, clientId }" })}{" "}
          {d.clients.hasToken ? t("software.hasToken") : t("software.noToken")}
        </p>
        {result?.token ? (
          <p>
            {t("software.tokenLabel")} <code data-testid="licence-token">{result.token}</code>
          </p>
        ) : null}
        <Form method="post">
          <input type="hidden" name="intent" value="rotate_token" />
          <SubmitButton className="button button-secondary" pendingLabel={t("software.creatingToken")}>
            {d.clients.hasToken ? t("software.rotateToken") : t("software.createToken")}
          </SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="uploads">
        <h2 id="uploads">{t("software.uploadTitle")}</h2>
        {!d.proUploads.pro ? <p>{t("software.notPro")}</p> : null}
        {d.proUploads.pro && !d.proUploads.enabled ? <p>{t("software.notEnabled")}</p> : null}
        {canUpload ? (
          <Form method="post" encType="multipart/form-data" className="stack" {...getFormProps(uploadForm)}>
            <label>
              {t("software.application")}{" "}
              <input {...getInputProps(upload.application, { type: "text" })} key={upload.application.key} required maxLength={80} />
            </label>
            <FieldError meta={upload.application} />
            <label>
              {t("software.version")}{" "}
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
              {t("software.package", { size: mb(d.maxBytes) })}{" "}
              <input {...getInputProps(upload.file, { type: "file" })} key={upload.file.key} accept=".msi,.exe" required />
            </label>
            <FieldError meta={upload.file} />
            <SubmitButton pendingLabel={t("software.uploading")}>{t("software.upload")}</SubmitButton>
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="tenant-catalog">
        <h2 id="tenant-catalog">{t("software.catalogTitle")}</h2>
        {d.applications.length === 0 ? <p>{t("software.noPackages")}</p> : null}
        {d.applications.map((a) => (
          <div key={a.id}>
            <h3>{a.name}</h3>
            <ul>
              {a.versions.map((v) => (
                <li key={v.id}>
                  {v.version} · {mb(v.size)} · {t(v.supersededBy ? "software.superseded" : "software.latest")} ·{" "}
                  <a href={`/downloads/${v.id}`}>{t("software.download")}</a>
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
  const { t } = useTranslation("orgs");
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const carried = error.data as { message?: string; i18n?: MessageI18n } | null;
    return (
      <section className="card narrow">
        <h1>{t(error.status === 404 ? "software.notFound" : "software.notAllowed")}</h1>
        <p>{translateMessage(t, carried?.message ?? error.statusText, carried?.i18n)}</p>
        <Link to="/dashboard">{t("software.backToDashboard")}</Link>
      </section>
    );
  }
  throw error;
}
