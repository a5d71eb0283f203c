import type { TestRecordChange } from '../src/runs/model.js';

/**
 * Collects what the reporter learns of cases and sends it to the daemon, which merges the
 * records and writes them to Redis. Changes made in one turn of the event loop (Vitest
 * delivers results in batches) go together, in one message, at its end.
 */
export class TestChangeBatcher {
  private changes: TestRecordChange[] = [];
  private scheduled = false;

  constructor(private readonly send: (changes: TestRecordChange[]) => void) {}

  add(change: TestRecordChange): void {
    this.changes.push(change);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Send what is pending now. */
  flush(): void {
    this.scheduled = false;
    if (this.changes.length > 0) {
      const changes = this.changes;
      this.changes = [];
      this.send(changes);
    }
  }
}
