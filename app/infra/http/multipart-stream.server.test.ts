import { expect, test } from "vitest";
import { isAppError } from "../../domain/errors";
import { MultipartReader, multipartBoundary } from "./multipart-stream.server";

const enc = new TextEncoder();
const B = "xYz-boundary";

/** Bytes as a stream of pieces of `size` bytes (1 = every boundary split every possible way). */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const concat = (...parts: (string | Uint8Array)[]) => {
  const arrays = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.byteLength;
  }
  return out;
};

// File bytes that look like the delimiter's start in several places, and a CR at the very end.
const fileBytes = concat("MZ\r\n--xYz-bound\r\n-\r\r\n--", new Uint8Array(300).fill(7), "\r\n--xYz-boundar\r");

const body = concat(
  "a preamble to ignore\r\n",
  `--${B}\r\nContent-Disposition: form-data; name="application"\r\n\r\nAlpha "Tool" é\r\n`,
  `--${B}  \r\ncontent-disposition: form-data; name="version"\r\n\r\n1.0.0\r\n`,
  `--${B}\r\nContent-Disposition: form-data; name="file"; filename="plain.exe"; filename*=UTF-8''Caf%C3%A9%20setup.exe\r\nContent-Type: application/octet-stream\r\n\r\n`,
  fileBytes,
  `\r\n--${B}--\r\nan epilogue`,
);

async function readAll(stream: ReadableStream<Uint8Array>, limits = { maxBodyBytes: 1 << 20 }) {
  const form = new MultipartReader(stream, B, limits);
  const out: { name: string; filename: string | null; contentType: string | null; bytes: Uint8Array }[] = [];
  for (let part = await form.next(); part; part = await form.next()) {
    const bytes = part.filename === null ? enc.encode(await form.text(part)) : new Uint8Array(await new Response(part.body).arrayBuffer());
    out.push({ name: part.name, filename: part.filename, contentType: part.contentType, bytes });
  }
  return out;
}

test("parts come out the same however the body is split into chunks", async () => {
  for (const size of [1, 2, 3, 7, 16, 17, 64, 1000, body.byteLength]) {
    const parts = await readAll(chunked(body, size));
    expect(
      parts.map((p) => [p.name, p.filename, p.contentType]),
      `chunks of ${size}`,
    ).toEqual([
      ["application", null, null],
      ["version", null, null],
      ["file", "Café setup.exe", "application/octet-stream"],
    ]);
    expect(new TextDecoder().decode(parts[0]!.bytes)).toBe('Alpha "Tool" é');
    expect(new TextDecoder().decode(parts[1]!.bytes)).toBe("1.0.0");
    expect(parts[2]!.bytes, `chunks of ${size}`).toEqual(fileBytes);
  }
});

test("a part whose body is not read is skipped by next()", async () => {
  const form = new MultipartReader(chunked(body, 5), B, { maxBodyBytes: 1 << 20 });
  await form.next();
  const version = await form.next();
  expect(await form.text(version!)).toBe("1.0.0");
  expect((await form.next())?.filename).toBe("Café setup.exe");
  expect(await form.next()).toBeNull();
});

test("multipartBoundary reads quoted and bare boundaries of multipart/form-data only", () => {
  expect(multipartBoundary(`multipart/form-data; boundary=${B}`)).toBe(B);
  expect(multipartBoundary(`Multipart/Form-Data; charset=utf-8; boundary="a b:c"`)).toBe("a b:c");
  expect(multipartBoundary("multipart/form-data")).toBeNull();
  expect(multipartBoundary(`multipart/mixed; boundary=${B}`)).toBeNull();
  expect(multipartBoundary("application/json")).toBeNull();
  expect(multipartBoundary(null)).toBeNull();
});

const failure = async (bytes: Uint8Array, limits = { maxBodyBytes: 1 << 20 }) => {
  try {
    await readAll(chunked(bytes, 10), limits);
  } catch (e) {
    if (isAppError(e)) return { status: e.status, message: e.message };
    throw e;
  }
  return null;
};

test("malformed bodies are 400s, oversize ones 413s, never an unhandled error", async () => {
  const field = (name: string, value: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const cases: [string, Uint8Array, number][] = [
    ["no boundary at all", enc.encode("just some text"), 400],
    ["empty body", new Uint8Array(0), 400],
    ["no closing boundary", enc.encode(field("a", "1")), 400],
    ["ends inside a part", enc.encode(`--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nhalf a val`), 400],
    ["ends inside the headers", enc.encode(`--${B}\r\nContent-Disposition: form-da`), 400],
    ["junk after a boundary", enc.encode(`--${B}xx\r\n`), 400],
    ["a part without a name", enc.encode(`--${B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${B}--`), 400],
    ["a part without headers", enc.encode(`--${B}\r\n\r\nx\r\n--${B}--`), 400],
    ["not form-data", enc.encode(`--${B}\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--${B}--`), 400],
    ["a header line without a colon", enc.encode(`--${B}\r\nContent-Disposition: form-data; name="a"\r\nbogus\r\n\r\nx\r\n--${B}--`), 400],
    [
      "headers over the limit",
      enc.encode(`--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${"p".repeat(9000)}\r\n\r\nx\r\n--${B}--`),
      400,
    ],
    ["a field over the limit", enc.encode(field("a", "v".repeat(70_000)) + `--${B}--`), 413],
    ["too many parts", enc.encode(field("a", "1").repeat(101) + `--${B}--`), 400],
  ];
  for (const [name, bytes, status] of cases) expect((await failure(bytes))?.status, name).toBe(status);
  const big = concat(
    field("a", "1"),
    `--${B}\r\nContent-Disposition: form-data; name="f"; filename="x.exe"\r\n\r\n`,
    new Uint8Array(5000),
    `\r\n--${B}--`,
  );
  expect(await failure(big, { maxBodyBytes: 4000 })).toMatchObject({ status: 413 });
  expect(await failure(big, { maxBodyBytes: big.byteLength })).toBeNull();
});
