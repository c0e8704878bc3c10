import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listSystemCatalog } from "../domain/software/catalog.server";
import { addSystemApplication, addSystemVersion } from "../domain/software/publishing.server";
import { safeText } from "../domain/input";
import { withUploadForm } from "../domain/software/upload-form.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith } from "../infra/http/responses.server";
import { ActionMessage, useAdminFormat } from "../components/admin";
import { SubmitButton } from "../components/submit-button";
import { useTranslation } from "react-i18next";

export const handle = { i18n: ["admin"] };

export async function loader({ context }: LoaderFunctionArgs) {
  await requireSystemAdmin(context);
  return { applications: await listSystemCatalog({ db: context.db }), maxBytes: context.config.UPLOAD_MAX_BYTES };
}

const Intent = z.object({ intent: z.enum(["add_application", "add_version"], { error: "Unknown action." }) }).passthrough();
const AddApplication = z.object({
  name: safeText(z.string().trim().min(1, "Name the application.").max(80), { label: "Application name" }),
  vendor: safeText(z.string().trim().min(1, "Name the vendor.").max(80), { label: "Vendor" }),
});
const AddVersion = z.object({
  applicationId: z.string().min(1, "Choose an application.").max(64),
  version: z.string().trim().min(1, "Give a version.").max(64),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireSystemAdmin(context);
  const now = context.now();
  const actor = { type: "user" as const, id: user.id };
  const { t } = await context.i18n();
  return runAction(async () => {
    return withUploadForm(request, context.config.UPLOAD_MAX_BYTES, async ({ fields, file }) => {
      const { intent } = parseWith(Intent, fields);
      if (intent === "add_application") {
        const input = parseWith(AddApplication, fields);
        const { slug } = await addSystemApplication({ db: context.db, actor, ...input, now });
        return t("admin:software.added", { slug });
      }
      const input = parseWith(AddVersion, fields);
      const v = await addSystemVersion({
        db: context.db,
        files: context.files,
        actor,
        ...input,
        file,
        maxBytes: context.config.UPLOAD_MAX_BYTES,
        now,
      });
      return t("admin:software.published", { version: v.version, sha256: v.sha256 });
    });
  }, "Done.");
}

export default function AdminSoftware() {
  const { applications, maxBytes } = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const f = useAdminFormat();
  return (
    <>
      <ActionMessage />
      <section className="card" aria-labelledby="sw-apps">
        <h2 id="sw-apps">{t("software.title")}</h2>
        {applications.length === 0 ? <p>{t("software.none")}</p> : null}
        {applications.map((a) => (
          <div key={a.id}>
            <h3>
              {a.name} <span className="muted">{t("software.byline", { vendor: a.vendor, slug: a.slug })}</span>
            </h3>
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">{t("software.version")}</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">{t("software.size")}</th>
                  <th scope="col">{t("software.source")}</th>
                  <th scope="col">{t("software.addedAt")}</th>
                  <th scope="col">{t("software.state")}</th>
                </tr>
              </thead>
              <tbody>
                {a.versions.map((v) => (
                  <tr key={v.id}>
                    <td>{v.version}</td>
                    <td>
                      <code className="wrap">{v.sha256}</code>
                    </td>
                    <td>{f.bytes(v.size)}</td>
                    <td>{t(`software.sources.${v.source}`, { defaultValue: v.source })}</td>
                    <td>{f.dateTime(v.createdAt)}</td>
                    <td>{v.supersededBy ? t("software.superseded") : t("software.latest")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>

      <section className="card" aria-labelledby="sw-add-app">
        <h2 id="sw-add-app">{t("software.addApp")}</h2>
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="add_application" />
          <label>
            {t("software.name")} <input name="name" required maxLength={80} />
          </label>
          <label>
            {t("software.vendor")} <input name="vendor" required maxLength={80} />
          </label>
          <SubmitButton pendingLabel={t("working")}>{t("software.addAppSubmit")}</SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="sw-add-version">
        <h2 id="sw-add-version">{t("software.addVersion")}</h2>
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="add_version" />
          <label>
            {t("software.application")}{" "}
            <select name="applicationId" required>
              {applications.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("software.version")} <input name="version" required placeholder="1.2.3" maxLength={64} />
          </label>
          <label>
            {t("software.package", { max: f.bytes(maxBytes) })} <input type="file" name="file" accept=".msi,.exe" required />
          </label>
          <SubmitButton pendingLabel={t("working")}>{t("software.publish")}</SubmitButton>
        </Form>
      </section>
    </>
  );
}
