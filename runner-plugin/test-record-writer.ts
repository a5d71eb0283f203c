import type { TestRecord, TestStatus } from '../src/runs/model.js';
import type { ChildMessage } from '../src/runner/env-contract.js';
import { COUNTER_FIELDS } from '../src/store/keys.js';

const RANK: Record<TestStatus, number> = { pending: 0, running: 1, passed: 2, failed: 2, skipped: 2 };
const COUNTER: Partial<Record<TestStatus, string>> = {
  running: COUNTER_FIELDS.running,
  passed: COUNTER_FIELDS.passed,
  failed: COUNTER_FIELDS.failed,
  skipped: COUNTER_FIELDS.skipped,
};

type Change = Partial<TestRecord> & { id: string };

/**
 * Keeps the run's test records and live counters as cases are collected, start and end, and
 * sends them to the daemon, which writes them to Redis. The reporter is the only writer while
 * the child runs, so the previous status of each case is known here and counters move by
 * exact deltas. Changes made in one turn of the event loop (Vitest delivers results in
 * batches) go together, in one message, at its end.
 */
export class TestRecordWriter {
  private readonly records = new Map<string, TestRecord>();
  private dirty = new Set<string>();
  private deltas = new Map<string, number>();
  private scheduled = false;
  private sequence = 0;

  constructor(private readonly send: (message: ChildMessage & { t: 'tests' }) => void) {}

  get(testId: string): TestRecord | undefined {
    return this.records.get(testId);
  }

  /** Merge what is known of cases; a case never moves back from an end status. */
  upsert(changes: readonly Change[]): void {
    for (const change of changes) {
      this.merge(change);
    }
    if (!this.scheduled && this.dirty.size > 0) {
      this.scheduled = true;
      setImmediate(() => this.write());
    }
  }

  /** Send what is pending now. */
  flush(): void {
    this.write();
  }

  private merge(change: Change): void {
    const previous = this.records.get(change.id);
    const status =
      previous && change.status && RANK[change.status] < RANK[previous.status]
        ? previous.status
        : change.status;
    const record: TestRecord = {
      file: '',
      name: '',
      fullName: '',
      status: 'pending',
      durationMs: null,
      traceId: '',
      ...previous,
      ...change,
      ...(status ? { status } : {}),
      seq: previous?.seq ?? this.sequence++,
    };
    this.records.set(record.id, record);
    this.dirty.add(record.id);
    if (!previous) {
      this.count(COUNTER_FIELDS.total, 1);
    }
    if (previous?.status !== record.status) {
      const down = previous ? COUNTER[previous.status] : undefined;
      const up = COUNTER[record.status];
      if (down) {
        this.count(down, -1);
      }
      if (up) {
        this.count(up, 1);
      }
    }
  }

  private count(field: string, delta: number): void {
    this.deltas.set(field, (this.deltas.get(field) ?? 0) + delta);
  }

  private write(): void {
    this.scheduled = false;
    if (this.dirty.size === 0) {
      return;
    }
    const records: TestRecord[] = [];
    for (const id of this.dirty) {
      records.push(this.records.get(id) as TestRecord);
    }
    this.send({ t: 'tests', records, deltas: Object.fromEntries(this.deltas) });
    this.dirty = new Set();
    this.deltas = new Map();
  }
}
