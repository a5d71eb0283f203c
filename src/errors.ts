/** Error codes of the HTTP API (DESIGN.md) and their statuses. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  RUN_NOT_FOUND: 404,
  NOT_FOUND: 404,
  REPORT_NOT_READY: 404,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  code: ErrorCode;
  details?: unknown;
  cause?: unknown;
}

/** The one error type the API maps to `{"error":{code,message,details?}}`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(message: string, options: AppErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.status = ERROR_CODES[options.code];
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
