import { MultipartReader, multipartBoundary } from "../../infra/http/multipart-stream.server";
import { badRequest } from "../errors";
import { maxBytesOf, packageTooLarge as tooLarge, type SizeLimit } from "./package-body";
import { type PackageFile } from "./publishing.server";

// Room for the multipart boundaries and the text fields around the file.
const MULTIPART_OVERHEAD = 64 * 1024;

/** A declared Content-Length above the upload limit (plus multipart overhead) is a 413 before anything reads the body. */
export function refuseDeclaredOversize(request: Request, limit: SizeLimit): void {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > maxBytesOf(limit) + MULTIPART_OVERHEAD) throw tooLarge(limit);
}

export type UploadForm = { fields: Record<string, string>; file: PackageFile | null };

/**
 * Reads the upload form, hands it to `handle`, and afterwards reads whatever `handle` left of the body
 * (a refusal before the file was read): the request is always read to its end, or to the limit.
 */
export async function withUploadForm<T>(request: Request, maxBytes: SizeLimit, handle: (form: UploadForm) => Promise<T>): Promise<T> {
  const { drain, ...form } = await readUploadForm(request, maxBytes);
  try {
    return await handle(form);
  } finally {
    await drain();
  }
}

/**
 * Reads a multipart upload as it streams: the text fields (as strings) that come before the `file`
 * part, and that part as a live stream of its bytes, read once by whoever stores it. The file must
 * be the form's last part (browsers send inputs in order; a part after it is a 400). A larger
 * declared body is refused before it is read; the whole body is counted against the limit (plus
 * overhead) as it streams, and the file's own bytes against `maxBytes` by the package check.
 * Callers decide who may upload (requireUploadTarget) before calling this.
 */
async function readUploadForm(request: Request, maxBytes: SizeLimit): Promise<UploadForm & { drain: () => Promise<void> }> {
  refuseDeclaredOversize(request, maxBytes);
  const boundary = multipartBoundary(request.headers.get("Content-Type"));
  if (!boundary) throw badRequest("Send the upload as multipart/form-data.");
  if (!request.body) throw badRequest("The request body is not a valid multipart form: it is empty.");
  const form = new MultipartReader(request.body, boundary, {
    maxBodyBytes: maxBytesOf(maxBytes) + MULTIPART_OVERHEAD,
    tooLarge: () => tooLarge(maxBytes),
  });
  const fields: Record<string, string> = {};
  for (let part = await form.next(); part; part = await form.next()) {
    if (part.filename === null) {
      const value = await form.text(part);
      if (!(part.name in fields)) fields[part.name] = value;
      // A file input left empty is a file part with no name; other file inputs are not ours (both skipped).
    } else if (part.name === "file" && part.filename !== "") {
      return { fields, file: { name: part.filename, body: endingTheForm(form, part.body) }, drain: () => form.drain() };
    }
  }
  return { fields, file: null, drain: () => form.drain() };
}

/** The file part's bytes, then a check that the form ends with it (only its closing boundary follows). */
function endingTheForm(form: MultipartReader, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        if (await form.next()) {
          await form.cancel();
          throw badRequest("The request body is not a valid multipart form: the file must be its last part (send the text fields first).");
        }
        controller.close();
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
