import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes each test case's console output to `<logsDir>/<traceId>.log`, synchronously so a
 * killed child keeps its last lines. Lines that arrive before the case's trace id is known
 * (Vitest batches task updates) wait in memory until it is.
 */
export class CaseLogWriter {
  private readonly traceByTask = new Map<string, string>();
  private readonly waiting = new Map<string, string[]>();

  constructor(private readonly logsDir: string) {
    mkdirSync(logsDir, { recursive: true });
  }

  /** Tie a task to its trace id and write what it printed so far. */
  bind(taskId: string, traceId: string): void {
    if (this.traceByTask.get(taskId) === traceId) {
      return;
    }
    this.traceByTask.set(taskId, traceId);
    const lines = this.waiting.get(taskId);
    if (lines) {
      this.waiting.delete(taskId);
      this.write(traceId, lines.join(''));
    }
  }

  append(taskId: string, content: string, stream: 'stdout' | 'stderr'): void {
    const text = stream === 'stderr' ? prefixLines(content, '[stderr] ') : content;
    const traceId = this.traceByTask.get(taskId);
    if (traceId) {
      this.write(traceId, text);
    } else {
      const lines = this.waiting.get(taskId) ?? [];
      lines.push(text);
      this.waiting.set(taskId, lines);
    }
  }

  private write(traceId: string, text: string): void {
    appendFileSync(path.join(this.logsDir, `${traceId}.log`), text);
  }
}

function prefixLines(content: string, prefix: string): string {
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  return `${body
    .split('\n')
    .map((line) => prefix + line)
    .join('\n')}\n`;
}
