// Stripe's error envelope. Handlers throw StripeError and the router turns it
// into `{error:{...}}` with the matching HTTP status, so no handler can leak a 500.
export type StripeErrorType = "invalid_request_error" | "card_error" | "idempotency_error" | "api_error" | "authentication_error";

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message };
    if (this.code) error.code = this.code;
    if (this.param) error.param = this.param;
    if (this.code) error.doc_url = `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, "-")}`;
    Object.assign(error, this.extra);
    return { error };
  }
}

export const missingParam = (param: string) =>
  new StripeError(400, "invalid_request_error", `Missing required param: ${param}.`, "parameter_missing", param);

export const unknownParam = (param: string) =>
  new StripeError(400, "invalid_request_error", `Received unknown parameter: ${param}`, "parameter_unknown", param);

/** Stripe gives most malformed values (bad enum, boolean, hash) no code, only param and message. */
export const invalidParam = (param: string, message: string, code?: string) =>
  new StripeError(400, "invalid_request_error", message, code, param);

export const emptyParam = (param: string) =>
  new StripeError(
    400,
    "invalid_request_error",
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    "parameter_invalid_empty",
    param,
  );

/** 404 when the URL names the missing object, 400 when a parameter does (as Stripe answers). */
export const resourceMissing = (kind: string, id: string, param = "id") =>
  new StripeError(param === "id" ? 404 : 400, "invalid_request_error", `No such ${kind}: '${id}'`, "resource_missing", param);

export const badRequest = (message: string, param?: string, code?: string) =>
  new StripeError(400, "invalid_request_error", message, code, param);
