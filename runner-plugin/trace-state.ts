import { WORKER_LOGS_ENV } from '../src/runner/env-contract.js';

export { createTraceId } from '../src/runner/trace-id.js';

/** State shared, through a global, between the worker runner and the test-facing API (loaded as separate module instances). */
export interface TraceState {
  logsDir: string | null;
  /** The case the worker started last; exact unless cases run concurrently. */
  current: { meta: Record<string, unknown> } | null;
}

const KEY = Symbol.for('trc.trace-state');

export function getTraceState(): TraceState {
  const holder = globalThis as unknown as Record<symbol, TraceState | undefined>;
  holder[KEY] ??= { logsDir: process.env[WORKER_LOGS_ENV] ?? null, current: null };
  return holder[KEY];
}
