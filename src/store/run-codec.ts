import type { RunCounts, RunRecord, RunResult, RunStatus } from '../runs/model.js';
import { COUNTER_FIELDS } from './keys.js';

/** Marks a field for deletion in the TRANSITION script. */
export const DELETE_FIELD = '\0';

const JSON_FIELDS = new Set(['files', 'env', 'labels', 'notes']);

/** Writable run fields (counters are written by the child and the finalizer, not here). */
export type RunFields = Partial<Omit<RunRecord, 'counts' | 'runId'>> & {
  /** Internal: the child's control channel is listening. */
  controlReady?: boolean;
  /** Internal: why the child is being stopped (cancelled, timed out, daemon stopping). */
  stopReason?: string | null;
  /** Internal: an error that kept the run from starting or running (set by the daemon or the child). */
  childError?: string | null;
  /** Internal: when the Vitest child process exited (before reports were written). */
  exitedAt?: string;
  /** Internal: `host:pid` of the daemon executing the run. */
  owner?: string;
};

/** Flatten run fields into HSET pairs; null becomes a delete marker (or is left out with `omitNulls`). */
export function encodeRunFields(fields: RunFields, options: { omitNulls?: boolean } = {}): string[] {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || (value === null && options.omitNulls)) {
      continue;
    }
    pairs.push(name, encodeValue(name, value));
  }
  return pairs;
}

function encodeValue(name: string, value: unknown): string {
  if (value === null) {
    return DELETE_FIELD;
  }
  if (JSON_FIELDS.has(name)) {
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') {
    return value ? '1' : '0';
  }
  return String(value);
}

/** Build counters from the hash's `c:*` fields. */
export function decodeCounts(hash: Record<string, string>): RunCounts {
  const read = (field: string): number => Number(hash[field] ?? 0);
  return {
    total: read(COUNTER_FIELDS.total),
    passed: read(COUNTER_FIELDS.passed),
    failed: read(COUNTER_FIELDS.failed),
    skipped: read(COUNTER_FIELDS.skipped),
    running: Math.max(0, read(COUNTER_FIELDS.running)),
  };
}

/** Turn a run hash (HGETALL) into a RunRecord; null when the hash is empty. */
export function decodeRun(hash: Record<string, string>): RunRecord | null {
  if (!hash.runId || !hash.status) {
    return null;
  }
  const json = <T>(name: string, fallback: T): T => (hash[name] ? (JSON.parse(hash[name]) as T) : fallback);
  const text = (name: string): string | null => hash[name] ?? null;
  const int = (name: string): number | null => (hash[name] === undefined ? null : Number(hash[name]));
  return {
    runId: hash.runId,
    status: hash.status as RunStatus,
    result: (text('result') as RunResult | null) ?? null,
    project: hash.project ?? 'default',
    files: json<string[]>('files', []),
    testNamePattern: text('testNamePattern'),
    vitestProject: text('vitestProject'),
    env: json<Record<string, string>>('env', {}),
    timeoutMs: int('timeoutMs'),
    showConsole: hash.showConsole === '1',
    labels: json<Record<string, string>>('labels', {}),
    createdAt: hash.createdAt ?? '',
    startedAt: text('startedAt'),
    endedAt: text('endedAt'),
    pauseRequested: hash.pauseRequested === '1',
    cancelRequested: hash.cancelRequested === '1',
    counts: decodeCounts(hash),
    pid: int('pid'),
    exitCode: int('exitCode'),
    reason: text('reason'),
    notes: json<string[]>('notes', []),
    reportsRemovedAt: text('reportsRemovedAt'),
  };
}
