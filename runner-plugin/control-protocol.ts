/** Lines exchanged between the Vitest main process (reporter) and its test workers, one JSON object a line. */

/** Main → worker: the flags every worker acts on before each test case. */
export interface StateLine {
  t: 'state';
  paused: boolean;
  cancelled: boolean;
  reason: string;
  /** Present when the main process waits for this worker to acknowledge. */
  nonce?: string;
}

/**
 * Worker → main. Nothing is sent per fast case: a worker names the cases still running a few
 * milliseconds after they started (so a crash finds them), and names its cases in flight when it
 * acknowledges a flag change.
 */
export type WorkerLine =
  { t: 'ack'; nonce: string; running: RunningCase[] } | { t: 'running'; running: RunningCase[] };

export interface RunningCase {
  id: string;
  trace: string;
}

/** Split a socket's byte stream into parsed JSON lines. */
export function createLineDecoder<T>(onLine: (line: T) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line) {
        onLine(JSON.parse(line) as T);
      }
      newline = pending.indexOf('\n');
    }
  };
}
