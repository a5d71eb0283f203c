import { WORKER_LOGS_ENV, WORKER_RUN_ID_ENV } from '../src/runner/env-contract.js';

export { deriveTraceIds } from '../src/runner/trace-id.js';

/** State shared, through a global, between the worker runner and the test-facing API (loaded as separate module instances). */
export interface TraceState {
  logsDir: string | null;
  /** The run's id, from which each case's trace id is derived. */
  runId: string;
  /** The case the worker started last; exact unless cases run concurrently. */
  current: { meta: Record<string, unknown> } | null;
}

const KEY = Symbol.for('trc.trace-state');

export function getTraceState(): TraceState {
  const holder = globalThis as unknown as Record<symbol, TraceState | undefined>;
  holder[KEY] ??= {
    logsDir: process.env[WORKER_LOGS_ENV] ?? null,
    runId: process.env[WORKER_RUN_ID_ENV] ?? '',
    current: null,
  };
  return holder[KEY];
}
