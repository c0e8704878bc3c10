import { AppError, badRequest } from "../errors";
import { type PackageFile } from "./publishing.server";

// Room for the multipart boundaries and the text fields around the file.
const MULTIPART_OVERHEAD = 64 * 1024;

const tooLarge = (limit: number) =>
  new AppError({ code: "payload_too_large", status: 413, message: `The file is larger than ${limit} bytes.` });

/** A declared Content-Length above the upload limit (plus multipart overhead) is a 413 before anything reads the body. */
export function refuseDeclaredOversize(request: Request, maxBytes: number): void {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > maxBytes + MULTIPART_OVERHEAD) throw tooLarge(maxBytes);
}

/**
 * Reads a multipart upload of at most `maxBytes` of file: a larger declared body is refused before
 * it is read, an undeclared one is counted while it streams. Text fields come back as strings.
 * The body is buffered (request.formData), so SHA-256 and the signature are checked before R2 sees it.
 * Callers decide who may upload (requireUploadTarget) before calling this.
 */
export async function readUploadForm(request: Request, maxBytes: number): Promise<{ fields: Record<string, string>; file: PackageFile | null }> {
  const limit = maxBytes + MULTIPART_OVERHEAD;
  refuseDeclaredOversize(request, maxBytes);
  const declared = request.headers.get("Content-Length");
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
    throw badRequest("Send the upload as multipart/form-data.");
  }
  let source = request;
  if (declared === null && request.body) {
    let seen = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) controller.error(tooLarge(maxBytes));
        else controller.enqueue(chunk);
      },
    });
    source = new Request(request, { body: request.body.pipeThrough(counter) });
  }
  let form: FormData;
  try {
    form = await source.formData();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw badRequest("The request body is not a valid multipart form.");
  }
  const fields: Record<string, string> = {};
  let file: PackageFile | null = null;
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") {
      if (!(key in fields)) fields[key] = value;
    } else if (key === "file" && !file && value.size > 0) {
      if (value.size > maxBytes) throw tooLarge(maxBytes);
      file = { name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) };
    }
  }
  return { fields, file };
}
