import { z } from "zod";

// Input rules shared by every edge that turns user input into money, seats or names shown to
// others. One definition each, so a quantity or a name means the same in every form and API.

const DIGITS = /^[0-9]{1,15}$/;

/**
 * A whole number from `min` to `max`: a JSON integer, or a form string of decimal digits only.
 * "0x20", "5.0", " 5", "1e1", "", true and [5] are refused (z.coerce.number() takes all of them).
 */
export function strictInt(opts: { min: number; max: number; label: string }) {
  const message = `${opts.label} must be a whole number from ${opts.min} to ${opts.max}.`;
  return z.unknown().transform((value, ctx): number => {
    const n = typeof value === "number" ? value : typeof value === "string" && DIGITS.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < opts.min || n > opts.max) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return n;
  });
}

// C0 and C1 controls (tab and newline included), and the bidi embedding, override, isolate and
// mark characters that make a name display as something else (U+061C, U+200E/F, U+202A-E, U+2066-9).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Does the text hold a control or bidi formatting character? */
export const hasUnsafeText = (s: string) => UNSAFE_TEXT.test(s);

/**
 * Names and titles others will read (organisations, applications, roadmap items): no control
 * characters and no bidi overrides or isolates. `multiline` allows \n, \r and \t (descriptions).
 */
export function safeText<S extends z.ZodType<string, string>>(schema: S, opts: { label: string; multiline?: boolean }) {
  const message = `${opts.label} must not contain control characters or text-direction (bidi) characters.`;
  return schema.refine((s) => !hasUnsafeText(opts.multiline ? s.replace(/[\n\r\t]/g, "") : s), { message });
}
