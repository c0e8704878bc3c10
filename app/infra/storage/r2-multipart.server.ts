import { hex } from "../hex";

// R2 wants every part but the last of one size, and at least 5 MiB; 8 MiB parts keep one part in
// a Worker's 128 MB comfortably and give 80 GB before R2's 10,000-part ceiling.
export const PART_SIZE = 8 * 1024 * 1024;

// workerd's crypto has DigestStream; the DOM lib's Crypto type (from vite/client) hides it.
type WorkersCrypto = { DigestStream: typeof DigestStream };

export type StoredStream = { size: number; sha256: string };

/**
 * Streams `body` into `bucket` at `key`, hashing it (SHA-256) on the way and holding at most one
 * part in memory. A body that fits in one part is one put (R2 checks its SHA-256); a longer one is
 * an R2 multipart upload of `partSize` parts. If the body fails (its source errors: a limit, a
 * refused signature, a malformed form) or R2 does, the multipart upload is aborted and the error
 * rethrown, so nothing half-written remains.
 */
export async function streamToR2(deps: {
  bucket: R2Bucket;
  key: string;
  body: ReadableStream<Uint8Array>;
  httpMetadata?: R2HTTPMetadata;
  partSize?: number;
}): Promise<StoredStream> {
  const partSize = deps.partSize ?? PART_SIZE;
  if (partSize < 5 * 1024 * 1024) throw new Error("R2 parts (all but the last) must be at least 5 MiB.");
  const reader = deps.body.getReader();
  const digest = new (crypto as unknown as WorkersCrypto).DigestStream("SHA-256");
  const hash = digest.getWriter();
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  let part = new Uint8Array(partSize);
  let filled = 0;
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      for (let offset = 0; offset < value.byteLength;) {
        const n = Math.min(partSize - filled, value.byteLength - offset);
        part.set(value.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled < partSize) continue;
        // A full part: hash it, send it, and start the next one (the old buffer is let go).
        await hash.write(part);
        upload ??= await deps.bucket.createMultipartUpload(deps.key, { httpMetadata: deps.httpMetadata });
        parts.push(await upload.uploadPart(parts.length + 1, part));
        part = new Uint8Array(partSize);
        filled = 0;
      }
    }
    const last = part.subarray(0, filled);
    await hash.write(last);
    await hash.close();
    const sha256 = hex(await digest.digest);
    if (!upload) {
      await deps.bucket.put(deps.key, last, { sha256, httpMetadata: deps.httpMetadata });
      return { size, sha256 };
    }
    if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, last));
    await upload.complete(parts);
    return { size, sha256 };
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    if (upload) {
      const id = upload.uploadId;
      await upload
        .abort()
        .catch((abortError: unknown) => console.error(`R2 multipart upload ${id} of ${deps.key} could not be aborted`, abortError));
    }
    throw e;
  }
}
