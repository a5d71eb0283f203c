import { randomBytes } from 'node:crypto';

/** A W3C-compatible trace id: 32 lowercase hex characters, never all zeros. */
export function createTraceId(): string {
  const id = randomBytes(16).toString('hex');
  return /^0+$/.test(id) ? createTraceId() : id;
}
