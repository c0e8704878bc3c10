import { env } from "cloudflare:test";
import { expect, test } from "vitest";
import { PART_SIZE } from "../../app/infra/storage/r2-multipart.server";
import { PRICE } from "../factories/billing";
import { storedFor } from "../factories/downloads";
import { BASE, callWorker, form, signedInAgent } from "../factories/http";
import { purchase, systemAdmin } from "../factories/tenants";

// Uploads stream (ADR 014): a file far larger than anything the Worker keeps goes from the request
// through the real route into an R2 multipart upload. The body is generated on the fly, and a
// recording wrapper around the bucket sees every part, so "memory is bounded" is a count of bytes
// the Worker has read but not yet handed to R2, not a timing.

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const BOUNDARY = "gatehouse-stream-5f2c9e";
const enc = new TextEncoder();
const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
type WorkersCrypto = { DigestStream: typeof DigestStream };
const digestStream = () => new (crypto as unknown as WorkersCrypto).DigestStream("SHA-256");

let tenantPromise: Promise<{ slug: string; id: string; cookie: string }> | undefined;
/** One MAX-tier (Pro) organisation with uploads switched on, shared by this file's tests. */
const proTenant = () =>
  (tenantPromise ??= (async () => {
    const owner = await signedInAgent();
    const bought = await purchase(owner.agent, { priceId: PRICE.max, quantity: 21, organizationName: "Streaming Uploads" });
    const admin = await systemAdmin();
    const res = await admin.agent.fetch(`/admin/tenants/${bought.tenant.id}`, form({ intent: "pro_uploads", enabled: "true" }));
    if (res.status !== 200) throw new Error(`switch failed: ${res.status}`);
    return { slug: bought.tenant.slug, id: bought.tenant.id, cookie: owner.agent.cookie! };
  })());

/**
 * A multipart body generated as it is read (64 KiB at a time, nothing kept): text fields, then a
 * file of `fileBytes` bytes that starts with "MZ" (an EXE), then the closing boundary. `after`
 * replaces what follows the file, `breaksOff` errors the stream there (a client gone away); `onPull`
 * sees the running count of bytes handed out.
 */
let uploads = 0;
function generatedUpload(opts: {
  fileBytes: number;
  fields?: Record<string, string>;
  fileName?: string;
  after?: string;
  breaksOff?: boolean;
  onPull?: (produced: number) => void;
}) {
  // A new version each time, so no upload here is a duplicate of another.
  const fields = { application: "Big Tool", version: `1.0.${++uploads}`, ...opts.fields };
  const head = enc.encode(
    Object.entries(fields)
      .map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join("") +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${opts.fileName ?? "BigTool-1.0.0.exe"}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = enc.encode(opts.after ?? `\r\n--${BOUNDARY}--\r\n`);
  const block = new Uint8Array(CHUNK).map((_, j) => (j * 131 + 7) & 0xff);
  const digest = digestStream();
  const hash = digest.getWriter();
  let produced = 0;
  let sent = -1; // -1: the head is next
  let done = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        let chunk: Uint8Array;
        if (sent < 0) {
          chunk = head;
          sent = 0;
        } else if (sent < opts.fileBytes) {
          chunk = block.slice(0, Math.min(CHUNK, opts.fileBytes - sent));
          new DataView(chunk.buffer).setUint32(2, sent / CHUNK); // every chunk differs
          if (sent === 0) chunk.set([0x4d, 0x5a]);
          sent += chunk.byteLength;
          await hash.write(chunk.slice());
        } else if (opts.breaksOff) {
          return c.error(new TypeError("Network connection lost."));
        } else if (!done) {
          chunk = tail;
          done = true;
          await hash.close();
        } else return c.close();
        produced += chunk.byteLength;
        opts.onPull?.(produced);
        c.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, produced: () => produced, fileSha256: async () => hex(await digest.digest) };
}

/** The test's bucket, recording every multipart upload and part the app makes through it. */
function recordingBucket() {
  const log = { created: [] as { key: string; uploadId: string }[], parts: [] as number[], sent: 0, completed: 0, aborted: [] as string[] };
  const wrap = (u: R2MultipartUpload): R2MultipartUpload => ({
    key: u.key,
    uploadId: u.uploadId,
    uploadPart: (n, value, options) => {
      const size = value instanceof ArrayBuffer ? value.byteLength : ArrayBuffer.isView(value) ? value.byteLength : NaN;
      log.parts.push(size);
      log.sent += size;
      return u.uploadPart(n, value, options);
    },
    abort: () => {
      log.aborted.push(u.uploadId);
      return u.abort();
    },
    complete: (parts) => {
      log.completed++;
      return u.complete(parts);
    },
  });
  const bucket = new Proxy(env.FILES, {
    get(target, prop) {
      if (prop === "createMultipartUpload") {
        return async (key: string, options?: R2MultipartOptions) => {
          const upload = await target.createMultipartUpload(key, options);
          log.created.push({ key, uploadId: upload.uploadId });
          return wrap(upload);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { bucket, log };
}

const post = (path: string, cookie: string, body: ReadableStream<Uint8Array>, contentType = `multipart/form-data; boundary=${BOUNDARY}`) =>
  new Request(`${BASE}${path}`, {
    method: "POST",
    headers: { Origin: BASE, Host: new URL(BASE).host, Cookie: cookie, "Content-Type": contentType },
    body,
    duplex: "half",
  } as RequestInit);

/** Whether R2 still holds this multipart upload open (a part can be added to it). */
const uploadIsPending = (key: string, uploadId: string) =>
  env.FILES.resumeMultipartUpload(key, uploadId)
    .uploadPart(1, new Uint8Array(1))
    .then(
      () => true,
      () => false,
    );

test("a 64 MiB upload streams through the route into R2 in fixed parts, never more than one part held", { timeout: 240_000 }, async () => {
  const t = await proTenant();
  const fileBytes = 64 * MiB + 12_345;
  const { bucket, log } = recordingBucket();
  // Bytes the Worker has pulled from the request but not yet handed to R2, at its highest.
  let held = 0;
  const body = generatedUpload({ fileBytes, onPull: (produced) => (held = Math.max(held, produced - log.sent)) });
  const res = await callWorker(post(`/api/pro/uploads?tenant=${t.slug}`, t.cookie, body.stream), {
    ...env,
    UPLOAD_MAX_BYTES: String(256 * MiB),
    FILES: bucket,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const result = (await res.json()) as { id: string; sha256: string; size: number };
  const expectedSha = await body.fileSha256();
  expect(result).toMatchObject({ sha256: expectedSha, size: fileBytes });

  // R2 saw one multipart upload of equal 8 MiB parts and a shorter last one, completed, not aborted.
  expect(log.created).toHaveLength(1);
  expect(log.parts).toEqual([...Array<number>(8).fill(PART_SIZE), fileBytes - 8 * PART_SIZE]);
  expect(log).toMatchObject({ completed: 1, aborted: [] });
  // The Worker never held more than one part plus one request chunk (measured: a part and the form head).
  expect(held).toBeGreaterThan(PART_SIZE - CHUNK);
  expect(held).toBeLessThanOrEqual(PART_SIZE + CHUNK);

  // What R2 stores is the file: its size, and its SHA-256 computed here from the stored bytes.
  const row = await env.DB.prepare("SELECT download_key, sha256, size FROM software_versions WHERE id = ?")
    .bind(result.id)
    .first<{ download_key: string; sha256: string; size: number }>();
  expect(row).toMatchObject({ download_key: log.created[0]!.key, sha256: expectedSha, size: fileBytes });
  const stored = await env.FILES.get(row!.download_key);
  expect(stored?.size).toBe(fileBytes);
  const digest = digestStream();
  await stored!.body.pipeTo(digest);
  expect(hex(await digest.digest)).toBe(expectedSha);
});

test(
  "a stream over the limit is cut off mid-way with a 413: its multipart upload aborted, nothing stored",
  { timeout: 120_000 },
  async () => {
    const t = await proTenant();
    const before = await storedFor(t.id);
    const { bucket, log } = recordingBucket();
    const limit = 12 * MiB;
    const body = generatedUpload({ fileBytes: 40 * MiB });
    const res = await callWorker(post(`/api/pro/uploads?tenant=${t.slug}`, t.cookie, body.stream), {
      ...env,
      UPLOAD_MAX_BYTES: String(limit),
      FILES: bucket,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "payload_too_large", message: `The file is larger than ${limit} bytes.` });
    // It had started to store (one full part went to R2), stopped reading soon after the limit, and aborted.
    expect(log.parts).toEqual([PART_SIZE]);
    expect(body.produced()).toBeLessThan(limit + 4 * CHUNK);
    expect(log.completed).toBe(0);
    expect(log.aborted).toEqual([log.created[0]!.uploadId]);
    expect(await uploadIsPending(log.created[0]!.key, log.created[0]!.uploadId)).toBe(false);
    expect(await storedFor(t.id)).toEqual(before);
  },
);

test("the pending-upload probe tells an open multipart upload from an aborted one", async () => {
  const upload = await env.FILES.createMultipartUpload("probe/open.bin");
  expect(await uploadIsPending(upload.key, upload.uploadId)).toBe(true);
  await upload.abort();
  expect(await uploadIsPending(upload.key, upload.uploadId)).toBe(false);
});

test(
  "malformed or broken-off multipart bodies are a 400 from the API and the page, abort what they started, and store nothing",
  { timeout: 120_000 },
  async () => {
    const t = await proTenant();
    const before = await storedFor(t.id);
    const big = { ...env, UPLOAD_MAX_BYTES: String(64 * MiB) };
    const bytes = (text: string) => new Blob([text]).stream();
    const cases: { name: string; body: ReadableStream<Uint8Array>; contentType?: string; startsUpload?: boolean }[] = [
      { name: "no boundary in the Content-Type", body: generatedUpload({ fileBytes: 1000 }).stream, contentType: "multipart/form-data" },
      { name: "not multipart at all", body: bytes("application=x&version=1.0"), contentType: `multipart/form-data; boundary=${BOUNDARY}` },
      { name: "an empty body", body: bytes("") },
      {
        name: "headers that never end",
        body: bytes(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="application"\r\nX: ${"y".repeat(20_000)}`),
      },
      { name: "a part with no name", body: bytes(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${BOUNDARY}--\r\n`) },
      // 20 MiB of file and then the body just stops: two parts were already in R2.
      { name: "a body cut off inside the file", body: generatedUpload({ fileBytes: 20 * MiB, after: "" }).stream, startsUpload: true },
      {
        name: "a body that breaks off (the client went away)",
        body: generatedUpload({ fileBytes: 9 * MiB, breaksOff: true }).stream,
        startsUpload: true,
      },
      {
        name: "a field after the file",
        body: generatedUpload({
          fileBytes: 9 * MiB,
          after: `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--${BOUNDARY}--\r\n`,
        }).stream,
        startsUpload: true,
      },
    ];
    for (const c of cases) {
      const { bucket, log } = recordingBucket();
      const res = await callWorker(post(`/api/pro/uploads?tenant=${t.slug}`, t.cookie, c.body, c.contentType), { ...big, FILES: bucket });
      expect(res.status, c.name).toBe(400);
      expect(((await res.json()) as { error: string }).error, c.name).toBe("bad_request");
      expect(log.created.length, c.name).toBe(c.startsUpload ? 1 : 0);
      expect(log.aborted, c.name).toEqual(log.created.map((u) => u.uploadId));
      for (const u of log.created) expect(await uploadIsPending(u.key, u.uploadId), c.name).toBe(false);
    }
    // The page's form action answers the same 400 (its error message), not a 500.
    const page = await callWorker(
      post(`/org/${t.slug}/software`, t.cookie, generatedUpload({ fileBytes: 1000, after: "\r\n--" }).stream),
      big,
    );
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("not a valid multipart form");
    expect(await storedFor(t.id)).toEqual(before);
  },
);
