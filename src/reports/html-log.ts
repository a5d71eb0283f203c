/** Logs above this size are cut in the HTML report (the full log stays in its own file). */
export const LOG_LIMIT_BYTES = 256 * 1024;

/** A log as the report shows it. */
export interface ShownLog {
  text: string;
  bytes: number;
  isTruncated: boolean;
}

/**
 * Cuts a log above {@link LOG_LIMIT_BYTES} to its first and last halves of that budget, with a
 * marker line where bytes were left out: the set-up and the failure both stay visible.
 */
export function truncateLog(log: string, limit = LOG_LIMIT_BYTES): ShownLog {
  const buffer = Buffer.from(log, 'utf8');
  if (buffer.length <= limit) {
    return { text: log, bytes: buffer.length, isTruncated: false };
  }
  const half = Math.floor(limit / 2);
  const head = trimBrokenChar(buffer.subarray(0, half).toString('utf8'));
  const tail = trimBrokenChar(buffer.subarray(buffer.length - half).toString('utf8'));
  const omitted = buffer.length - 2 * half;
  const marker = `\n\n… ${omitted} bytes omitted: this report shows the first and last ${half / 1024} KiB …\n\n`;
  return { text: head + marker + tail, bytes: buffer.length, isTruncated: true };
}

/** A cut through a multi-byte character decodes as U+FFFD at the edge: drop it. */
function trimBrokenChar(text: string): string {
  return text.replace(/^\uFFFD+|\uFFFD+$/g, '');
}
