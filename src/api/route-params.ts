import { AppError } from '../errors.js';
import { TRACE_ID_PATTERN } from '../runner/env-contract.js';

const RUN_ID_PATTERN = /^test_\d{8}_\d{6}_[0-9a-f]{8}$/;

/**
 * Checks a `:runId` path parameter. A value that cannot be a run id is answered
 * 404 RUN_NOT_FOUND without asking the service.
 */
export function parseRunId(value: string | undefined): string {
  if (value === undefined || !RUN_ID_PATTERN.test(value)) {
    throw new AppError('Run not found', { code: 'RUN_NOT_FOUND' });
  }
  return value;
}

/**
 * Checks a `:traceId` path parameter (32 lowercase hex). Anything else — including
 * traversal attempts such as `../../etc/passwd` — is 404 NOT_FOUND and never reaches the file system.
 */
export function parseTraceId(value: string | undefined): string {
  if (value === undefined || !TRACE_ID_PATTERN.test(value)) {
    throw new AppError('Log not found', { code: 'NOT_FOUND' });
  }
  return value;
}
