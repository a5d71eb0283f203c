/** Path prefix of every endpoint of HTTP API v1. */
export const API_PREFIX = '/api/v1';

/** Path prefix of the runs resource. */
export const RUNS_PATH = `${API_PREFIX}/runs`;

/**
 * Builds the relative URL of a run or of one of its sub-resources,
 * e.g. `buildRunPath(id, 'logs', traceId)` → `/api/v1/runs/<id>/logs/<traceId>`.
 */
export function buildRunPath(runId: string, ...segments: string[]): string {
  return [RUNS_PATH, ...[runId, ...segments].map(encodeURIComponent)].join('/');
}

/** Prefixes a relative API path with the public base URL when one is configured. */
export function toPublicUrl(path: string, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl === undefined || publicBaseUrl === '') {
    return path;
  }
  return `${publicBaseUrl.replace(/\/+$/, '')}${path}`;
}
