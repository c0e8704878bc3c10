import { AppError, invalidInput, withValues } from "../errors";
import { type PackageKind, sniffPackage } from "./rules";

const SIGNATURE_BYTES = 8;

/**
 * An upload's size limit: the Worker's ceiling (UPLOAD_MAX_BYTES) as a number, or a plan's limit
 * feature (ADR 018, `uploads.max_bytes`) where that is lower; a refusal then names the feature.
 */
export type SizeLimit = number | { maxBytes: number; feature: { key: string; name: string }; upgradeUrl: string };

export const maxBytesOf = (limit: SizeLimit): number => (typeof limit === "number" ? limit : limit.maxBytes);

export const packageTooLarge = (limit: SizeLimit) =>
  typeof limit === "number"
    ? new AppError({ code: "payload_too_large", status: 413, ...withValues("The file is larger than {{limit}} bytes.", { limit }) })
    : new AppError({
        code: "payload_too_large",
        status: 413,
        ...withValues(
          "The file is larger than {{limit}} bytes, the upload limit of your plan ({{name}}, {{feature}}). Upgrade for a larger limit: {{upgradeUrl}}",
          { limit: limit.maxBytes, name: limit.feature.name, feature: limit.feature.key, upgradeUrl: limit.upgradeUrl },
        ),
        details: { json: { feature: limit.feature.key, limit: limit.maxBytes, upgradeUrl: limit.upgradeUrl } },
      });

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
  rule: { kind: PackageKind; maxBytes: SizeLimit },
): ReadableStream<Uint8Array> {
  const source = body.getReader();
  const maxBytes = maxBytesOf(rule.maxBytes);
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
    if (seen > maxBytes) throw packageTooLarge(rule.maxBytes);
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
