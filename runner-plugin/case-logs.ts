import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes each test case's console output to `<logsDir>/<traceId>.log`, synchronously so a
 * killed child keeps its last lines. Lines of a task not yet known as a test case (its file's
 * collection may be handled just after them) wait in memory until it is; lines printed outside
 * any case (a suite's or file's own) have no case log.
 */
export class CaseLogWriter {
  private readonly waiting = new Map<string, string[]>();

  constructor(
    private readonly logsDir: string,
    private readonly traceFor: (taskId: string) => string,
    private readonly isCase: (taskId: string) => boolean,
  ) {
    mkdirSync(logsDir, { recursive: true });
  }

  /** The task is a test case: write what it printed so far. */
  release(taskId: string): void {
    const lines = this.waiting.size > 0 ? this.waiting.get(taskId) : undefined;
    if (lines) {
      this.waiting.delete(taskId);
      this.write(taskId, lines.join(''));
    }
  }

  append(taskId: string, content: string, stream: 'stdout' | 'stderr'): void {
    const text = stream === 'stderr' ? prefixLines(content, '[stderr] ') : content;
    if (this.isCase(taskId)) {
      this.write(taskId, text);
    } else {
      const lines = this.waiting.get(taskId) ?? [];
      lines.push(text);
      this.waiting.set(taskId, lines);
    }
  }

  private write(taskId: string, text: string): void {
    appendFileSync(path.join(this.logsDir, `${this.traceFor(taskId)}.log`), text);
  }
}

function prefixLines(content: string, prefix: string): string {
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  return `${body
    .split('\n')
    .map((line) => prefix + line)
    .join('\n')}\n`;
}
