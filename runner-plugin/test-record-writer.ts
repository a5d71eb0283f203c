import type { ChainableCommander, Redis } from 'ioredis';
import type { TestRecord, TestStatus } from '../src/runs/model.js';
import { COUNTER_FIELDS, type RedisKeys } from '../src/store/keys.js';

const RANK: Record<TestStatus, number> = { pending: 0, running: 1, passed: 2, failed: 2, skipped: 2 };
const COUNTER: Partial<Record<TestStatus, string>> = {
  running: COUNTER_FIELDS.running,
  passed: COUNTER_FIELDS.passed,
  failed: COUNTER_FIELDS.failed,
  skipped: COUNTER_FIELDS.skipped,
};

/**
 * Keeps the run's test records and live counters in Redis as cases are collected, start and
 * end. The reporter is the only writer while the child runs, so the previous status of each
 * case is known here and counters move by exact deltas in one MULTI per change.
 */
export class TestRecordWriter {
  private readonly records = new Map<string, TestRecord>();
  private sequence = 0;
  private failure: unknown = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly runId: string,
  ) {}

  get(testId: string): TestRecord | undefined {
    return this.records.get(testId);
  }

  /** Merge what is known of a case; a case never moves back from an end status. */
  upsert(changes: Array<Partial<TestRecord> & { id: string }>): void {
    const multi = this.redis.multi();
    let dirty = false;
    for (const change of changes) {
      dirty = this.merge(multi, change) || dirty;
    }
    if (dirty) {
      multi.exec().catch((error: unknown) => {
        this.failure ??= error;
      });
    } else {
      multi.discard();
    }
  }

  /** Resolves when every write so far has reached Redis; throws the first write error. */
  async flush(): Promise<void> {
    await this.redis.ping();
    if (this.failure) {
      throw this.failure;
    }
  }

  private merge(multi: ChainableCommander, change: Partial<TestRecord> & { id: string }): boolean {
    const previous = this.records.get(change.id);
    if (previous && change.status && RANK[change.status] < RANK[previous.status]) {
      change = { ...change, status: previous.status };
    }
    const record: TestRecord = {
      file: '',
      name: '',
      fullName: '',
      status: 'pending',
      durationMs: null,
      traceId: '',
      ...previous,
      ...change,
      seq: previous?.seq ?? this.sequence++,
    };
    this.records.set(record.id, record);
    const runKey = this.keys.run(this.runId);
    multi.hset(this.keys.tests(this.runId), record.id, JSON.stringify(record));
    if (!previous) {
      multi.hincrby(runKey, COUNTER_FIELDS.total, 1);
    }
    if (previous?.status !== record.status) {
      const down = previous ? COUNTER[previous.status] : undefined;
      const up = COUNTER[record.status];
      if (down) {
        multi.hincrby(runKey, down, -1);
      }
      if (up) {
        multi.hincrby(runKey, up, 1);
      }
    }
    return true;
  }
}
