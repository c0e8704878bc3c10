import { AppError, badRequest, isAppError, withValues } from "../../domain/errors";
import { payloadTooLarge, readBounded } from "./responses.server";

// A pull-based multipart/form-data reader (RFC 7578 over RFC 2046's framing). Nothing is read from
// the request until a caller asks for the next part or reads a file part's body, and a file part's
// bytes are handed on as they arrive: the reader itself holds one network chunk plus, at most, the
// few bytes that might be the start of the next boundary. The Remix parsers did not fit: the current
// @remix-run/multipart-parser (0.16) and form-data-parser (0.17) keep each part's content in memory
// whole, and the last line that streamed part bodies (@mjackson/multipart-parser 0.6) enqueues them
// without backpressure, so a slow consumer (R2) lets the whole body pile up in the queue.

export type MultipartLimits = {
  /** The whole body; past it the read fails with a 413 (tooLarge's error, if given). */
  maxBodyBytes: number;
  tooLarge?: () => Error;
  /** One part's header block. */
  maxHeaderBytes?: number;
  /** One text field's value (file parts are streamed, not held). */
  maxFieldBytes?: number;
  maxParts?: number;
};

export type MultipartPart = {
  name: string;
  /** null for a text field; the sent name (possibly "") for a file. */
  filename: string | null;
  contentType: string | null;
  /** The part's bytes as they arrive: read it (or not) before asking for the next part. */
  body: ReadableStream<Uint8Array>;
};

const CR = 13;
const LF = 10;
const DASH = 45;
const malformed = (why: string) => badRequest(`The request body is not a valid multipart form: ${why}`);

/** The boundary of a multipart/form-data Content-Type, or null (not multipart, or no usable boundary). */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Content-Disposition parameters (name, filename; filename* in RFC 5987 form wins over filename). */
function dispositionParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const re = /;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = m[1]!.toLowerCase();
    let v = m[2]!.trim();
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    if (key === "filename*") {
      const ext = /^[\w-]+'[^']*'(.*)$/.exec(v);
      try {
        if (ext) params.filename = decodeURIComponent(ext[1]!);
      } catch {
        /* an undecodable filename* leaves the plain filename */
      }
      continue;
    }
    if (key === "filename" && "filename" in params) continue;
    params[key] = v;
  }
  return params;
}

/**
 * Reads a multipart/form-data body part by part. `next()` gives the next part (null after the closing
 * boundary); a part's body not read by then is skipped. Malformed framing is a 400, a body past
 * `maxBodyBytes`, or a text field past `maxFieldBytes`, a 413; both surface as a failed read.
 */
export class MultipartReader {
  readonly #source: ReadableStreamDefaultReader<Uint8Array>;
  readonly #delimiter: Uint8Array; // CRLF "--" boundary
  readonly #limits: Required<Omit<MultipartLimits, "tooLarge">>;
  readonly #tooLarge: () => Error;
  // Unread bytes. It starts as the CRLF before the first boundary, so "--boundary" at the very
  // start of the body matches the same delimiter as every later one.
  #buf: Uint8Array = new Uint8Array([CR, LF]);
  #bodyBytes = 0;
  #parts = 0;
  #state: "start" | "between" | "body" | "done" = "start";

  constructor(body: ReadableStream<Uint8Array>, boundary: string, limits: MultipartLimits) {
    this.#source = body.getReader();
    this.#delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    const { tooLarge, ...sizes } = limits;
    this.#limits = { maxHeaderBytes: 8 * 1024, maxFieldBytes: 64 * 1024, maxParts: 100, ...sizes };
    this.#tooLarge = tooLarge ?? (() => payloadTooLarge(sizes.maxBodyBytes));
  }

  /** The next part, or null once the closing boundary is reached. */
  async next(): Promise<MultipartPart | null> {
    if (this.#state === "body") {
      // The caller moved on without reading this part to its end: skip the rest.
      while (await this.#readBody()) {
        /* discard */
      }
    }
    if (this.#state === "done") return null;
    if (this.#state === "start") await this.#skipPreamble();
    // After a delimiter: "--" closes the body, otherwise optional blanks and CRLF open a part.
    await this.#want(2);
    if (this.#buf[0] === DASH && this.#buf[1] === DASH) {
      this.#state = "done";
      return null;
    }
    let i = 0;
    for (;;) {
      await this.#want(i + 2);
      if (this.#buf[i] === 0x20 || this.#buf[i] === 0x09) i++;
      else break;
      if (i > 256) throw malformed("junk after a boundary.");
    }
    if (this.#buf[i] !== CR || this.#buf[i + 1] !== LF) throw malformed("a boundary is not followed by a line break.");
    this.#buf = this.#buf.subarray(i + 2);
    if (++this.#parts > this.#limits.maxParts) throw malformed(`more than ${this.#limits.maxParts} parts.`);
    const headers = await this.#readHeaders();
    const disposition = headers.get("content-disposition") ?? "";
    if (!/^form-data\s*(;|$)/i.test(disposition.trim())) throw malformed("a part has no Content-Disposition: form-data.");
    const params = dispositionParams(disposition);
    if (params.name === undefined) throw malformed("a part has no name.");
    this.#state = "body";
    const index = this.#parts;
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          // A part's stream read after the reader moved on has ended; it never yields a later part's bytes.
          const chunk = index === this.#parts ? await this.#readBody() : null;
          if (chunk) controller.enqueue(chunk);
          else controller.close();
        },
        cancel: async (reason) => {
          this.#state = "done";
          await this.#source.cancel(reason);
        },
      },
      // Nothing is pulled from the request until the consumer reads.
      { highWaterMark: 0 },
    );
    return { name: params.name, filename: params.filename ?? null, contentType: headers.get("content-type"), body };
  }

  /** A text part's value as UTF-8, at most maxFieldBytes. */
  async text(part: MultipartPart): Promise<string> {
    const max = this.#limits.maxFieldBytes;
    const tooLarge = () =>
      new AppError({
        code: "payload_too_large",
        status: 413,
        ...withValues('The form field "{{field}}" is larger than {{limit}} bytes.', { field: part.name, limit: max }),
      });
    return new TextDecoder().decode(await readBounded(part.body, max, tooLarge));
  }

  /**
   * Reads what is left of the request and discards it, within maxBodyBytes: for a refusal answered
   * before the file was read (a duplicate version). A half-read request leaves its HTTP/1.1
   * connection unusable, and the browser's next page load on it stalled for 30 s (seen in the
   * browser tests). Past the limit it stops reading instead.
   */
  async drain(): Promise<void> {
    if (this.#state === "done") return;
    this.#buf = new Uint8Array(0);
    try {
      while (await this.#fill()) this.#buf = new Uint8Array(0);
      this.#state = "done";
    } catch {
      await this.cancel();
    }
  }

  /** Stops reading the request (after a refusal). */
  async cancel(reason?: unknown): Promise<void> {
    this.#state = "done";
    await this.#source.cancel(reason).catch(() => {});
  }

  // One more chunk from the request onto #buf; false at the end of the body.
  async #fill(): Promise<boolean> {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await this.#source.read();
    } catch (e) {
      // The client went away or the body broke off: a 400 for the log, not a 500.
      if (isAppError(e)) throw e;
      throw badRequest("The request body broke off before its end.");
    }
    const { done, value } = read;
    if (done) return false;
    this.#bodyBytes += value.byteLength;
    if (this.#bodyBytes > this.#limits.maxBodyBytes) throw this.#tooLarge();
    if (this.#buf.byteLength === 0) this.#buf = value;
    else {
      const joined = new Uint8Array(this.#buf.byteLength + value.byteLength);
      joined.set(this.#buf);
      joined.set(value, this.#buf.byteLength);
      this.#buf = joined;
    }
    return true;
  }

  async #want(n: number): Promise<void> {
    while (this.#buf.byteLength < n) if (!(await this.#fill())) throw malformed("it ends before its closing boundary.");
  }

  // The first delimiter, after an optional preamble (kept to the header limit: browsers send none).
  async #skipPreamble(): Promise<void> {
    for (;;) {
      const at = this.#find(this.#buf);
      if (at >= 0) {
        this.#buf = this.#buf.subarray(at + this.#delimiter.byteLength);
        this.#state = "between";
        return;
      }
      if (this.#buf.byteLength > this.#limits.maxHeaderBytes) throw malformed("it does not start with the boundary.");
      if (!(await this.#fill())) throw malformed("the boundary never appears.");
    }
  }

  async #readHeaders(): Promise<Headers> {
    let end: number;
    if (await this.#startsWithCrlf())
      end = -2; // no headers at all
    else {
      for (;;) {
        end = indexOf(this.#buf, CRLF_CRLF, 0);
        if (end >= 0) break;
        if (this.#buf.byteLength > this.#limits.maxHeaderBytes)
          throw malformed(`a part's headers exceed ${this.#limits.maxHeaderBytes} bytes.`);
        if (!(await this.#fill())) throw malformed("it ends inside a part's headers.");
      }
    }
    if (end > this.#limits.maxHeaderBytes) throw malformed(`a part's headers exceed ${this.#limits.maxHeaderBytes} bytes.`);
    const text = end > 0 ? new TextDecoder().decode(this.#buf.subarray(0, end)) : "";
    this.#buf = this.#buf.subarray(end + 4);
    const headers = new Headers();
    for (const line of text ? text.split("\r\n") : []) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw malformed("a part header has no name.");
      try {
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      } catch {
        throw malformed("a part header is not valid.");
      }
    }
    return headers;
  }

  async #startsWithCrlf(): Promise<boolean> {
    await this.#want(2);
    return this.#buf[0] === CR && this.#buf[1] === LF;
  }

  // The next run of the current part's bytes, or null at its end (the delimiter is consumed).
  async #readBody(): Promise<Uint8Array | null> {
    if (this.#state !== "body") return null;
    for (;;) {
      const at = this.#find(this.#buf);
      if (at >= 0) {
        const out = this.#buf.subarray(0, at);
        this.#buf = this.#buf.subarray(at + this.#delimiter.byteLength);
        this.#state = "between";
        // A last run of bytes now, the end on the next call (the state is no longer "body").
        return out.byteLength > 0 ? out : null;
      }
      // Hand on everything that cannot be the start of a delimiter; keep a possible partial one.
      const keep = this.#partialTail(this.#buf);
      if (keep > 0) {
        const out = this.#buf.subarray(0, keep);
        this.#buf = this.#buf.subarray(keep);
        return out;
      }
      if (!(await this.#fill())) throw malformed("it ends inside a part.");
    }
  }

  #find(buf: Uint8Array): number {
    return indexOf(buf, this.#delimiter, 0);
  }

  // Where a suffix of buf that is a prefix of the delimiter starts (buf.length if none).
  #partialTail(buf: Uint8Array): number {
    const d = this.#delimiter;
    for (let j = Math.max(0, buf.byteLength - d.byteLength + 1); j < buf.byteLength; j++) {
      j = buf.indexOf(CR, j);
      if (j < 0) break;
      let k = 0;
      while (j + k < buf.byteLength && buf[j + k] === d[k]) k++;
      if (j + k === buf.byteLength) return j;
    }
    return buf.byteLength;
  }
}

const CRLF_CRLF = new Uint8Array([CR, LF, CR, LF]);

function indexOf(buf: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = buf.byteLength - needle.byteLength;
  for (let i = buf.indexOf(first, from); i >= 0 && i <= last; i = buf.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.byteLength && buf[i + k] === needle[k]) k++;
    if (k === needle.byteLength) return i;
  }
  return -1;
}
