import type { Redis } from 'ioredis';
import type { TestRecord, TestStatus } from '../src/runs/model.js';
import { COUNTER_FIELDS, type RedisKeys } from '../src/store/keys.js';

const RANK: Record<TestStatus, number> = { pending: 0, running: 1, passed: 2, failed: 2, skipped: 2 };
const COUNTER: Partial<Record<TestStatus, string>> = {
  running: COUNTER_FIELDS.running,
  passed: COUNTER_FIELDS.passed,
  failed: COUNTER_FIELDS.failed,
  skipped: COUNTER_FIELDS.skipped,
};

type Change = Partial<TestRecord> & { id: string };

/**
 * Keeps the run's test records and live counters in Redis as cases are collected, start and
 * end. The reporter is the only writer while the child runs, so the previous status of each
 * case is known here and counters move by exact deltas. Changes made in one turn of the event
 * loop (Vitest delivers results in batches) go to Redis together, in one MULTI, at its end.
 */
export class TestRecordWriter {
  private readonly records = new Map<string, TestRecord>();
  private dirty = new Set<string>();
  private deltas = new Map<string, number>();
  private scheduled = false;
  private sequence = 0;
  private lastWrite: Promise<unknown> = Promise.resolve();
  private failure: unknown = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly runId: string,
  ) {}

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

  /** Write what is pending now; resolves when every write so far reached Redis. Throws the first write error. */
  async flush(): Promise<void> {
    this.write();
    await this.lastWrite;
    if (this.failure) {
      throw this.failure;
    }
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
    const fields: string[] = [];
    for (const id of this.dirty) {
      fields.push(id, JSON.stringify(this.records.get(id)));
    }
    const multi = this.redis.multi().hset(this.keys.tests(this.runId), ...fields);
    const runKey = this.keys.run(this.runId);
    for (const [field, delta] of this.deltas) {
      if (delta !== 0) {
        multi.hincrby(runKey, field, delta);
      }
    }
    this.dirty = new Set();
    this.deltas = new Map();
    this.lastWrite = multi.exec().catch((error: unknown) => {
      this.failure ??= error;
    });
  }
}
