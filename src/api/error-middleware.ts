import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, isAppError, type ErrorCode } from '../errors.js';

/** The JSON error body of HTTP API v1. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** Fields of the http-errors that express and body-parser throw. */
interface HttpErrorLike {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
}

function readHttpStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) {
    return null;
  }
  const { status, statusCode } = error as HttpErrorLike;
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 500 ? value : null;
}

/** Maps the client errors of express and body-parser (they carry a 4xx status) to AppError. */
function toClientAppError(error: unknown): AppError | null {
  const status = readHttpStatus(error);
  if (status === null) {
    return null;
  }
  const type = (error as HttpErrorLike).type;
  if (status === 413 || type === 'entity.too.large') {
    return new AppError('Request body is larger than 1 MiB', { code: 'PAYLOAD_TOO_LARGE', cause: error });
  }
  if (type === 'entity.parse.failed') {
    return new AppError('Request body is malformed JSON (expected a JSON object)', {
      code: 'VALIDATION_FAILED',
      cause: error,
    });
  }
  if (status === 401) {
    return new AppError('Unauthorized', { code: 'UNAUTHORIZED', cause: error });
  }
  if (status === 404) {
    return new AppError('Not found', { code: 'NOT_FOUND', cause: error });
  }
  const message =
    (error as HttpErrorLike).expose === true && error instanceof Error ? error.message : 'Bad request';
  return new AppError(message, { code: 'VALIDATION_FAILED', cause: error });
}

/**
 * The one error middleware: AppError (and express's own 4xx errors) become
 * `{"error":{code,message,details?}}` with their status; anything else is logged and answered
 * 500 INTERNAL with a generic message. When a streamed response already started, the
 * connection is cut so the client sees a truncated download rather than a false success.
 */
export function createErrorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const context = { err: error, method: req.method, path: req.path };
    if (res.headersSent) {
      const isClientGone =
        error instanceof Error && 'code' in error && error.code === 'ERR_STREAM_PREMATURE_CLOSE';
      logger[isClientGone ? 'debug' : 'warn'](context, 'response failed after headers were sent');
      res.destroy();
      return;
    }
    const appError = isAppError(error) ? error : toClientAppError(error);
    if (appError === null || appError.code === 'INTERNAL') {
      logger.error(context, 'request failed');
      const body: ErrorBody = { error: { code: 'INTERNAL', message: 'Internal server error' } };
      res.status(500).json(body);
      return;
    }
    const body: ErrorBody = { error: { code: appError.code, message: appError.message } };
    if (appError.details !== undefined) {
      body.error.details = appError.details;
    }
    res.status(appError.status).json(body);
  };
}
