import { closeSync, openSync, writeSync } from 'node:fs';
import type { TestBatch } from '../src/runs/test-batch.js';

/**
 * The child's side of its progress file: each batch of news of test files and cases is appended
 * as one line of JSON, which the daemon reads as it goes and once more when the child has exited.
 * A line written is kept even when the child is killed outright just after. Unlike a message on the
 * IPC channel, a write wakes no other process: in a suite of many short files there is a batch
 * for nearly every file, and each message cost the daemon CPU that Vitest is short of on a busy
 * machine. Where the file cannot be written, the batch and every later one go to `fallback`.
 */
export class ProgressLog {
  private fd: number | null = null;
  private isBroken = false;

  constructor(
    private readonly file: string,
    private readonly fallback: (batch: TestBatch) => void,
  ) {}

  write(batch: TestBatch): void {
    if (!this.isBroken) {
      const line = Buffer.from(`${JSON.stringify(batch)}\n`);
      try {
        this.fd ??= openSync(this.file, 'a');
        // A short write leaves a line without its end, which the daemon never reads.
        if (writeSync(this.fd, line) === line.length) {
          return;
        }
      } catch {
        // The batch goes to the fallback below.
      }
      this.isBroken = true;
    }
    this.fallback(batch);
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
