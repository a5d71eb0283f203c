import type { TestRecordChange } from '../src/runs/model.js';
import type { CollectedFile, FileState, PassedCase, TestBatch } from '../src/runs/test-batch.js';

/**
 * Shortest time between two batches that carry only news of test files (queued, collected). Each
 * batch is a line of the progress file and a record in Redis that every reader of a live run merges,
 * and a suite of many short files has such news twice per file. Long enough that in such a suite it
 * nearly always goes with a case's news; a case that runs for a while is named running within
 * milliseconds, which takes its file's news along. A case's own news (running, ended) never waits
 * for it: it is in the progress file as each case ends, so a child killed outright leaves it in the
 * report.
 */
export const MIN_BATCH_INTERVAL_MS = 250;

/**
 * Collects what the reporter learns of test files and cases and passes it on (to the progress file)
 * for the daemon, which counts it and stores each batch in Redis as it came (readers merge the batches). What is learned
 * in one turn of the event loop (Vitest delivers results in batches) goes together, at its end;
 * news of files alone waits until MIN_BATCH_INTERVAL_MS has passed since the last batch, or until
 * a case's news comes to take it along. `flush` sends at once.
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
    this.schedule(true);
  }

  addPassed(id: string, durationMs: number | null): void {
    this.batch.passed.push([id, durationMs] satisfies PassedCase);
    this.schedule(true);
  }

  addCollected(file: CollectedFile): void {
    this.batch.collected.push(file);
    this.schedule(false);
  }

  /** Test files' states, by file key; a later state of a file replaces an earlier one. */
  addFiles(files: Readonly<Record<string, FileState>>): void {
    Object.assign(this.batch.files, files);
    this.schedule(false);
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

  /** Send at the end of this turn when `isCaseNews` or after a quiet spell, else once the interval has passed. */
  private schedule(isCaseNews: boolean): void {
    if (this.immediate) {
      return;
    }
    const wait = isCaseNews ? 0 : this.lastSentAt + MIN_BATCH_INTERVAL_MS - this.now();
    if (wait <= 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.immediate = setImmediate(() => this.flush());
    } else if (!this.timer) {
      // Never the reason the child stays alive: closing the reporter flushes.
      this.timer = setTimeout(() => this.flush(), wait).unref();
    }
  }
}

function emptyBatch(): Required<TestBatch> {
  return { files: {}, collected: [], changes: [], passed: [] };
}
