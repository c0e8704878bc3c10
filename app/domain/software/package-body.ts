import { AppError, invalidInput } from "../errors";
import { type PackageKind, sniffPackage } from "./rules";

const SIGNATURE_BYTES = 8;

export const packageTooLarge = (maxBytes: number) =>
  new AppError({ code: "payload_too_large", status: 413, message: `The file is larger than ${maxBytes} bytes.` });

const badSignature = (kind: PackageKind) => {
  const message = `The file is not a valid ${kind.toUpperCase()} package (its first bytes do not match).`;
  return new AppError({ code: "bad_signature", status: 415, message, details: { fieldErrors: { file: [message] } } });
};

/**
 * A package's bytes as they stream in, checked on the way: more than `maxBytes` fails with a 413 as
 * soon as the count passes it, first bytes that are not the named kind's signature with a 415, an
 * empty file with a 422. Pulled only as the reader reads (nothing is buffered here), so a failure
 * reaches whoever stores the stream, which then keeps nothing.
 */
export function checkedPackageBody(
  body: ReadableStream<Uint8Array>,
  rule: { kind: PackageKind; maxBytes: number },
): ReadableStream<Uint8Array> {
  const source = body.getReader();
  const head = new Uint8Array(SIGNATURE_BYTES);
  let seen = 0;
  const signatureOk = () => sniffPackage(head.subarray(0, Math.min(seen, SIGNATURE_BYTES))) === rule.kind;

  async function step(controller: ReadableStreamDefaultController<Uint8Array>) {
    const { done, value } = await source.read();
    if (done) {
      if (seen === 0) throw invalidInput("Some fields need attention.", { file: ["The file is empty."] });
      if (seen < SIGNATURE_BYTES && !signatureOk()) throw badSignature(rule.kind);
      controller.close();
      return;
    }
    const before = seen;
    seen += value.byteLength;
    if (seen > rule.maxBytes) throw packageTooLarge(rule.maxBytes);
    if (before < SIGNATURE_BYTES) {
      head.set(value.subarray(0, SIGNATURE_BYTES - before), before);
      if (seen >= SIGNATURE_BYTES && !signatureOk()) throw badSignature(rule.kind);
    }
    controller.enqueue(value);
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          await step(controller);
        } catch (e) {
          // Stop reading the request too; the error goes on to whoever reads this stream.
          await source.cancel(e).catch(() => {});
          throw e;
        }
      },
      cancel: (reason) => source.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
