import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

/** redis-server's log line: `pid:role date time <level mark> message`; `#` marks its top level (banners too). */
const LINE_PATTERN = /^\d+:[A-Z] .+? ([.\-*#]) (.*)$/;

/** The last lines a redis-server printed, for error messages. */
export interface OutputTail {
  /** The retained lines, oldest first. */
  lines(): string[];
  /** Resolves when the output has ended (the process closed its pipes). */
  readonly ended: Promise<void>;
}

/**
 * Reads redis-server's merged stdout and stderr: each line goes to `logger` (Redis's top level at info, the
 * rest at debug) and the last `limit` lines are kept.
 */
export function followRedisOutput(output: Readable, logger: Logger, limit = 30): OutputTail {
  const kept: string[] = [];
  const reader = createInterface({ input: output, crlfDelay: Infinity });
  reader.on('line', (line) => {
    kept.push(line);
    if (kept.length > limit) {
      kept.shift();
    }
    const match = LINE_PATTERN.exec(line);
    if (match?.[1] === '#') {
      logger.info({ redis: match[2] }, 'redis-server');
    } else {
      logger.debug({ redis: match?.[2] ?? line }, 'redis-server');
    }
  });
  const ended = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  return { lines: () => [...kept], ended };
}

/** Formats the kept lines for an error message. */
export function formatTail(tail: OutputTail): string {
  const lines = tail.lines();
  return lines.length === 0 ? '(redis-server printed nothing)' : lines.map((line) => `  ${line}`).join('\n');
}
