import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

const BEARER_PREFIX = /^Bearer[ \t]+/i;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Compares a presented token with the expected one in constant time: both are hashed first,
 * so neither the content nor the length of the secret leaks through timing.
 */
export function isSameToken(presented: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(hashToken(presented), expectedDigest);
}

/**
 * Middleware that requires `Authorization: Bearer <apiToken>`; anything else is 401 UNAUTHORIZED
 * with `WWW-Authenticate: Bearer`. Mount it after the routes that stay open (`GET /healthz`).
 * Neither the token nor the header is ever logged or echoed.
 */
export function createAuthMiddleware(apiToken: string): RequestHandler {
  const expectedDigest = hashToken(apiToken);
  return (req, res, next) => {
    const header = req.headers.authorization;
    const presented =
      header !== undefined && BEARER_PREFIX.test(header) ? header.replace(BEARER_PREFIX, '').trim() : null;
    if (presented !== null && isSameToken(presented, expectedDigest)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer');
    next(
      new AppError(presented === null ? 'Missing bearer token' : 'Invalid bearer token', {
        code: 'UNAUTHORIZED',
      }),
    );
  };
}
