import { z } from "zod";

/** A system admin's grant, revoke or tenant creation says why; the reason is kept in its audit row. */
export const AuditReason = z
  .string({ error: "A reason is required." })
  .trim()
  .min(5, "Say why, in at least 5 characters.")
  .max(500, "Keep the reason under 500 characters.");
