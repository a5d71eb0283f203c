import { COUNTER_FIELDS } from '../store/keys.js';
import type { RunCounts, TestRecord, TestRecordChange, TestStatus } from './model.js';
import type { TestBatch } from './test-batch.js';

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

  /**
   * Merge a batch as the child sends it, with the counter deltas it makes: names first, then whole
   * changes, then passes; a case never moves back from an end status. Its tuples are merged as they are, without a change object for each: a
   * 2,000-case run sends 4,000 of them while the machine's cores are busy with Vitest.
   */
  applyBatch(batch: TestBatch): Record<string, number> {
    const deltas: Record<string, number> = {};
    for (const { file, project, cases } of batch.collected ?? []) {
      for (const [id, name, fullName] of cases) {
        const record = this.recordFor(id, deltas);
        record.file = file;
        record.name = name;
        record.fullName = fullName ?? name;
        if (project) {
          record.project = project;
        }
      }
    }
    for (const change of batch.changes ?? []) {
      this.merge(change, deltas);
    }
    for (const [id, durationMs] of batch.passed ?? []) {
      const record = this.recordFor(id, deltas);
      record.durationMs = durationMs;
      this.moveTo(record, 'passed', deltas);
    }
    return deltas;
  }

  private merge(change: TestRecordChange, deltas: Record<string, number>): void {
    const record = this.recordFor(change.id, deltas);
    const { status, traceId, ...fields } = change;
    Object.assign(record, fields);
    if (status) {
      this.moveTo(record, status, deltas);
    }
    // Left empty unless named: a reader derives it from the run and case ids.
    if (traceId) {
      record.traceId = traceId;
    }
  }

  /** The case's record, new (pending, counted in the total) the first time the case is named. */
  private recordFor(id: string, deltas: Record<string, number>): TestRecord {
    let record = this.byId.get(id);
    if (!record) {
      record = {
        id,
        file: '',
        name: '',
        fullName: '',
        status: 'pending',
        durationMs: null,
        traceId: '',
        seq: this.sequence++,
      };
      this.byId.set(id, record);
      addDelta(deltas, COUNTER_FIELDS.total, 1);
    }
    return record;
  }

  private moveTo(record: TestRecord, status: TestStatus, deltas: Record<string, number>): void {
    const previous = record.status;
    if (RANK[status] < RANK[previous] || status === previous) {
      return;
    }
    record.status = status;
    addDelta(deltas, COUNTER[previous], -1);
    addDelta(deltas, COUNTER[status], 1);
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

function addDelta(deltas: Record<string, number>, field: string | undefined, delta: number): void {
  if (field) {
    deltas[field] = (deltas[field] ?? 0) + delta;
  }
}
