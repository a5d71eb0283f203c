import type { TestRecordChange } from '../src/runs/model.js';
import type { CollectedFile, FileState, PassedCase, TestBatch } from '../src/runs/test-batch.js';

/**
 * Shortest time between two batches. Every message wakes the daemon and, through it, Redis: on a
 * busy machine both then take a core from Vitest. A suite of many short files has news several
 * times per file (queued, collected, passed), so it goes out at most this often. Vitest itself
 * holds a worker's results for up to 100 ms, so the daemon's view lags by at most twice that.
 */
export const MIN_BATCH_INTERVAL_MS = 100;

/**
 * Collects what the reporter learns of test files and cases and sends it to the daemon, which
 * merges the records and writes them to Redis. News after a quiet spell goes at the end of the
 * event-loop turn that brought it (Vitest delivers results in batches); news that follows a batch
 * closely waits for MIN_BATCH_INTERVAL_MS to pass since it. `flush` sends at once.
 */
export class TestChangeBatcher {
  private batch: Required<TestBatch> = emptyBatch();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly send: (batch: TestBatch) => void,
    private readonly now: () => number = Date.now,
  ) {}

  add(change: TestRecordChange): void {
    this.batch.changes.push(change);
    this.schedule();
  }

  addCollected(file: CollectedFile): void {
    this.batch.collected.push(file);
    this.schedule();
  }

  addPassed(id: string, durationMs: number | null): void {
    this.batch.passed.push([id, durationMs] satisfies PassedCase);
    this.schedule();
  }

  /** Test files' states, by file key; a later state of a file replaces an earlier one. */
  addFiles(files: Readonly<Record<string, FileState>>): void {
    Object.assign(this.batch.files, files);
    this.schedule();
  }

  /** Send what is pending now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    const { collected, changes, passed, files } = this.batch;
    const fileCount = Object.keys(files).length;
    if (collected.length + changes.length + passed.length + fileCount === 0) {
      return;
    }
    this.batch = emptyBatch();
    this.lastSentAt = this.now();
    this.send({
      ...(fileCount > 0 ? { files } : {}),
      ...(collected.length > 0 ? { collected } : {}),
      ...(changes.length > 0 ? { changes } : {}),
      ...(passed.length > 0 ? { passed } : {}),
    });
  }

  private schedule(): void {
    if (this.timer || this.immediate) {
      return;
    }
    const wait = this.lastSentAt + MIN_BATCH_INTERVAL_MS - this.now();
    if (wait <= 0) {
      this.immediate = setImmediate(() => this.flush());
    } else {
      // Never the reason the child stays alive: closing the reporter flushes.
      this.timer = setTimeout(() => this.flush(), wait).unref();
    }
  }
}

function emptyBatch(): Required<TestBatch> {
  return { files: {}, collected: [], changes: [], passed: [] };
}
