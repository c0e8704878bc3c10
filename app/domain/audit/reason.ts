import { z } from "zod";

/** How long an admin's reason is: the schema below and the form's reason field both read this. */
export const AUDIT_REASON_LENGTH = { min: 5, max: 500 } as const;

/** A system admin's grant, revoke or tenant creation says why; the reason is kept in its audit row. */
export const AuditReason = z
  .string({ error: "A reason is required." })
  .trim()
  .min(AUDIT_REASON_LENGTH.min, `Say why, in at least ${AUDIT_REASON_LENGTH.min} characters.`)
  .max(AUDIT_REASON_LENGTH.max, `Keep the reason under ${AUDIT_REASON_LENGTH.max} characters.`);
