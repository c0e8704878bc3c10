// Domain failures carry an HTTP status so one boundary helper can turn them into a Response.
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: { fieldErrors?: FieldErrors } & Record<string, unknown>;

  constructor(opts: { code: string; status: number; message: string; details?: AppError["details"] }) {
    super(opts.message);
    this.name = "AppError";
    this.code = opts.code;
    this.status = opts.status;
    this.details = opts.details;
  }
}

export const badRequest = (message: string, fieldErrors?: FieldErrors) =>
  new AppError({ code: "bad_request", status: 400, message, details: fieldErrors ? { fieldErrors } : undefined });

export const invalidInput = (message: string, fieldErrors: FieldErrors) =>
  new AppError({ code: "invalid_input", status: 422, message, details: { fieldErrors } });

export const conflict = (code: string, message: string, details?: AppError["details"]) =>
  new AppError({ code, status: 409, message, details });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
