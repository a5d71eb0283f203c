import type { Request } from 'express';
import { AppError } from '../errors.js';

/** True when the request carries a body at all (not just an empty `Content-Length: 0`). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The parsed JSON body of a request that expects one. An empty request counts as `{}`;
 * a body of another media type is 400 VALIDATION_FAILED.
 */
export function readJsonBody(req: Request): unknown {
  if (!hasBody(req)) {
    return {};
  }
  if (req.is('application/json') === false) {
    throw new AppError('Content-Type must be application/json', { code: 'VALIDATION_FAILED' });
  }
  const body: unknown = req.body;
  return body ?? {};
}
