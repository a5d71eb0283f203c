import { COUNTER_FIELDS } from '../store/keys.js';
import type { TestRecord, TestRecordChange, TestStatus } from './model.js';

const RANK: Record<TestStatus, number> = { pending: 0, running: 1, passed: 2, failed: 2, skipped: 2 };
const COUNTER: Partial<Record<TestStatus, string>> = {
  running: COUNTER_FIELDS.running,
  passed: COUNTER_FIELDS.passed,
  failed: COUNTER_FIELDS.failed,
  skipped: COUNTER_FIELDS.skipped,
};

/** What one batch of changes turns into: the whole records it touched and the counter deltas. */
export interface ProgressWrite {
  records: TestRecord[];
  deltas: Record<string, number>;
}

/**
 * A running child's case records, merged from the changes it reports as cases are collected,
 * start and end. The child is the only source while it runs, so the previous status of each
 * case is known here and the live counters move by exact deltas.
 */
export class TestProgress {
  private readonly records = new Map<string, TestRecord>();
  private sequence = 0;

  /** Merge a batch; a case never moves back from an end status. */
  apply(changes: readonly TestRecordChange[]): ProgressWrite {
    const touched = new Map<string, TestRecord>();
    const deltas: Record<string, number> = {};
    const count = (field: string | undefined, delta: number): void => {
      if (field) {
        deltas[field] = (deltas[field] ?? 0) + delta;
      }
    };
    for (const change of changes) {
      let record = this.records.get(change.id);
      const previous = record?.status;
      if (!record) {
        record = {
          id: change.id,
          file: '',
          name: '',
          fullName: '',
          status: 'pending',
          durationMs: null,
          traceId: '',
          seq: this.sequence++,
        };
        this.records.set(change.id, record);
        count(COUNTER_FIELDS.total, 1);
      }
      const { status, traceId, ...fields } = change;
      Object.assign(record, fields);
      if (status && RANK[status] >= RANK[record.status]) {
        record.status = status;
      }
      // Left empty unless named: the store leaves a derived trace id out and derives it on read.
      if (traceId) {
        record.traceId = traceId;
      }
      if (previous !== record.status) {
        count(previous && COUNTER[previous], -1);
        count(COUNTER[record.status], 1);
      }
      touched.set(record.id, record);
    }
    return { records: [...touched.values()], deltas };
  }
}
