import { type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { listSystemCatalog } from "../domain/software/catalog.server";
import { addSystemApplication, addSystemVersion } from "../domain/software/publishing.server";
import { formatBytes } from "../domain/software/rules";
import { safeText } from "../domain/input";
import { withUploadForm } from "../domain/software/upload-form.server";
import { requireSystemAdmin } from "../infra/auth/admin-guard.server";
import { runAction } from "../infra/http/action-result.server";
import { parseWith } from "../infra/http/responses.server";
import { ActionMessage, fmtDate } from "../components/admin";
import { SubmitButton } from "../components/submit-button";

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
  return runAction(async () => {
    return withUploadForm(request, context.config.UPLOAD_MAX_BYTES, async ({ fields, file }) => {
      const { intent } = parseWith(Intent, fields);
      if (intent === "add_application") {
        const input = parseWith(AddApplication, fields);
        const { slug } = await addSystemApplication({ db: context.db, actor, ...input, now });
        return `Application added. Its version feed is feeds/${slug}.json in the bucket.`;
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
      return `Version ${v.version} published (SHA-256 ${v.sha256}).`;
    });
  }, "Done.");
}

const mb = formatBytes;

export default function AdminSoftware() {
  const { applications, maxBytes } = useLoaderData<typeof loader>();
  return (
    <>
      <ActionMessage />
      <section className="card" aria-labelledby="sw-apps">
        <h2 id="sw-apps">System software catalog</h2>
        {applications.length === 0 ? <p>No applications yet.</p> : null}
        {applications.map((a) => (
          <div key={a.id}>
            <h3>
              {a.name}{" "}
              <span className="muted">
                by {a.vendor} · feed feeds/{a.slug}.json
              </span>
            </h3>
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">Size</th>
                  <th scope="col">Source</th>
                  <th scope="col">Added</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {a.versions.map((v) => (
                  <tr key={v.id}>
                    <td>{v.version}</td>
                    <td>
                      <code className="wrap">{v.sha256}</code>
                    </td>
                    <td>{mb(v.size)}</td>
                    <td>{v.source}</td>
                    <td>{fmtDate(v.createdAt)}</td>
                    <td>{v.supersededBy ? "superseded" : "latest"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>

      <section className="card" aria-labelledby="sw-add-app">
        <h2 id="sw-add-app">Add an application</h2>
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="add_application" />
          <label>
            Name <input name="name" required maxLength={80} />
          </label>
          <label>
            Vendor <input name="vendor" required maxLength={80} />
          </label>
          <SubmitButton pendingLabel="Working...">Add application</SubmitButton>
        </Form>
      </section>

      <section className="card" aria-labelledby="sw-add-version">
        <h2 id="sw-add-version">Add a version</h2>
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="add_version" />
          <label>
            Application{" "}
            <select name="applicationId" required>
              {applications.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Version <input name="version" required placeholder="1.2.3" maxLength={64} />
          </label>
          <label>
            Package (.msi or .exe, at most {mb(maxBytes)}) <input type="file" name="file" accept=".msi,.exe" required />
          </label>
          <SubmitButton pendingLabel="Working...">Publish version</SubmitButton>
        </Form>
      </section>
    </>
  );
}
