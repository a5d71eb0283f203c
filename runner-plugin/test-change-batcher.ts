import type { TestRecordChange } from '../src/runs/model.js';
import type { CollectedFile, PassedCase, TestBatch } from '../src/runs/test-batch.js';

/**
 * Collects what the reporter learns of cases and sends it to the daemon, which merges the
 * records and writes them to Redis. What is learned in one turn of the event loop (Vitest
 * delivers results in batches) goes together, in one message, at its end.
 */
export class TestChangeBatcher {
  private batch: Required<TestBatch> = emptyBatch();
  private scheduled = false;

  constructor(private readonly send: (batch: TestBatch) => void) {}

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

  /** Send what is pending now. */
  flush(): void {
    this.scheduled = false;
    const { collected, changes, passed } = this.batch;
    if (collected.length + changes.length + passed.length === 0) {
      return;
    }
    this.batch = emptyBatch();
    this.send({
      ...(collected.length > 0 ? { collected } : {}),
      ...(changes.length > 0 ? { changes } : {}),
      ...(passed.length > 0 ? { passed } : {}),
    });
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}

function emptyBatch(): Required<TestBatch> {
  return { collected: [], changes: [], passed: [] };
}
