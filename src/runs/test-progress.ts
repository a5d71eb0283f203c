import { COUNTER_FIELDS } from '../store/keys.js';
import type { RunCounts, TestRecord, TestRecordChange, TestStatus } from './model.js';

const RANK: Record<TestStatus, number> = { pending: 0, running: 1, passed: 2, failed: 2, skipped: 2 };
const COUNTER: Partial<Record<TestStatus, string>> = {
  running: COUNTER_FIELDS.running,
  passed: COUNTER_FIELDS.passed,
  failed: COUNTER_FIELDS.failed,
  skipped: COUNTER_FIELDS.skipped,
};

/**
 * A run's case records, merged from the changes the child reports as cases are collected, start
 * and end. The child is the only source while it runs, so the previous status of each case is
 * known here and the live counters move by exact deltas. The daemon keeps one per running child;
 * a reader of a live run rebuilds one from the batches stored in Redis.
 */
export class TestProgress {
  private readonly byId = new Map<string, TestRecord>();
  private sequence = 0;

  /** Start from records already merged (in seq order); later changes apply on top. */
  constructor(initial: readonly TestRecord[] = []) {
    for (const record of initial) {
      this.byId.set(record.id, { ...record });
      this.sequence = Math.max(this.sequence, (record.seq ?? -1) + 1);
    }
  }

  /** Merge a batch and answer the counter deltas it makes; a case never moves back from an end status. */
  apply(changes: readonly TestRecordChange[]): Record<string, number> {
    const deltas: Record<string, number> = {};
    const count = (field: string | undefined, delta: number): void => {
      if (field) {
        deltas[field] = (deltas[field] ?? 0) + delta;
      }
    };
    for (const change of changes) {
      let record = this.byId.get(change.id);
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
        this.byId.set(change.id, record);
        count(COUNTER_FIELDS.total, 1);
      }
      const { status, traceId, ...fields } = change;
      Object.assign(record, fields);
      if (status && RANK[status] >= RANK[record.status]) {
        record.status = status;
      }
      // Left empty unless named: a reader derives it from the run and case ids.
      if (traceId) {
        record.traceId = traceId;
      }
      if (previous !== record.status) {
        count(previous && COUNTER[previous], -1);
        count(COUNTER[record.status], 1);
      }
    }
    return deltas;
  }

  /** Every case so far, in the order of first report. */
  records(): TestRecord[] {
    return [...this.byId.values()];
  }

  /** The live counters these records make (what the deltas so far add up to). */
  counts(): RunCounts {
    const counts: RunCounts = { total: this.byId.size, passed: 0, failed: 0, skipped: 0, running: 0 };
    for (const { status } of this.byId.values()) {
      if (status !== 'pending') {
        counts[status] += 1;
      }
    }
    return counts;
  }
}
