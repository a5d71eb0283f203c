import type { TestRecord } from '../runs/model.js';

/** Derives a case's trace id from its id (see `deriveTraceIds`). */
export type TraceFor = (testId: string) => string;

/**
 * A case record as stored in the run's tests hash, which holds the settled records once the child
 * has exited. Fields a reader can derive are left out: the trace id when it is empty or the derived
 * one, the full name when it equals the name, a null duration; that halves a large run's bytes.
 */
export function encodeTestRecord(record: TestRecord, traceFor: TraceFor): string {
  const { fullName, traceId, durationMs, ...stored } = record;
  const extra: Partial<TestRecord> = {};
  if (fullName !== record.name) {
    extra.fullName = fullName;
  }
  if (traceId && traceId !== traceFor(record.id)) {
    extra.traceId = traceId;
  }
  if (durationMs !== null) {
    extra.durationMs = durationMs;
  }
  return JSON.stringify({ ...stored, ...extra });
}

/** A stored case record made whole again (records stored whole, by older versions, read as they are). */
export function decodeTestRecord(json: string, traceFor: TraceFor): TestRecord {
  const stored = JSON.parse(json) as Omit<TestRecord, 'fullName' | 'traceId' | 'durationMs'> &
    Partial<Pick<TestRecord, 'fullName' | 'traceId' | 'durationMs'>>;
  return {
    ...stored,
    fullName: stored.fullName ?? stored.name,
    traceId: stored.traceId ?? traceFor(stored.id),
    durationMs: stored.durationMs ?? null,
  };
}
