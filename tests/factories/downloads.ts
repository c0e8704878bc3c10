import { env } from "cloudflare:test";
import { addSystemApplication, addSystemVersion } from "../../app/domain/software/publishing.server";
import { createDb } from "../../app/infra/d1/db.server";

/** A fake package: the right (or a wrong) signature, then `size` bytes in total of deterministic filler. */
export function packageBytes(kind: "exe" | "msi" | "zip", size = 1024, seed = 1): Uint8Array<ArrayBuffer> {
  const head = kind === "exe" ? [0x4d, 0x5a] : kind === "msi" ? [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] : [0x50, 0x4b, 0x03, 0x04];
  const out = new Uint8Array(size);
  out.set(head);
  for (let i = head.length; i < size; i++) out[i] = (i * 31 + seed * 7) % 251;
  return out;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer> | ArrayBuffer) {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A system-catalog application with one version, as the admin console makes them. */
export async function systemApplication(
  adminId: string,
  name: string,
  versions: { version: string; bytes: Uint8Array<ArrayBuffer> }[] = [],
) {
  const db = createDb(env.DB);
  const actor = { type: "user" as const, id: adminId };
  const app = await addSystemApplication({ db, actor, name, vendor: "Gatehouse Labs", now: Date.now() });
  const published = [];
  for (const v of versions) {
    published.push(
      await addSystemVersion({
        db,
        files: env.FILES,
        actor,
        applicationId: app.id,
        version: v.version,
        file: { name: `${app.slug}-${v.version}.exe`, body: new Blob([v.bytes]).stream() },
        maxBytes: 1 << 20,
        now: Date.now(),
      }),
    );
  }
  return { ...app, versions: published };
}

/** A multipart body for the upload endpoints. */
export function multipart(fields: Record<string, string>, file?: { name: string; bytes: Uint8Array<ArrayBuffer> }): RequestInit {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  if (file) body.set("file", new File([file.bytes], file.name, { type: "application/octet-stream" }));
  return { method: "POST", body };
}

/** What is stored for a tenant: versions in D1 and objects in R2 (a refused upload must change neither). */
export async function storedFor(tenantId: string) {
  const versions = await env.DB.prepare(
    "SELECT count(*) AS n FROM software_versions v JOIN software_applications a ON a.id = v.application_id JOIN software_catalogs c ON c.id = a.catalog_id WHERE c.owner_id = ?",
  )
    .bind(tenantId)
    .first<{ n: number }>();
  const objects = await env.FILES.list({ prefix: `tenants/${tenantId}/` });
  return { versions: versions?.n ?? 0, objects: objects.objects.length };
}
