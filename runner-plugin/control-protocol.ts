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

/**
 * Worker → main over the test worker's own IPC channel, the one Vitest's forks pool talks over:
 * `hello` opens the channel, as a socket's connect does.
 */
export type IpcWorkerLine = WorkerLine | { t: 'hello' };

/** What every message trc sends over a Vitest worker's IPC channel starts with. */
const IPC_MARK = 'trc:';

/** The header of a value in V8's serialization format, as `v8.serialize` writes it (format 15). */
const V8_HEADER = [0xff, 0x0f];
/** V8's tag for a one-byte string. */
const V8_ONE_BYTE_STRING = 0x22;

/**
 * A message for a Vitest worker's IPC channel: a string in V8's serialization format, the form in
 * which every message on that channel must survive `v8.deserialize` (Vitest 4.0 decodes each one so
 * on both ends), holding `trc:` and the JSON. Any other reader finds no request in it and drops it.
 * The JSON is kept to ASCII, which a one-byte string holds as is.
 */
export function encodeIpcMessage(line: StateLine | IpcWorkerLine): Buffer {
  const text =
    IPC_MARK +
    JSON.stringify(line).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  const length: number[] = [];
  for (let rest = text.length; ; rest >>>= 7) {
    if (rest < 0x80) {
      length.push(rest);
      break;
    }
    length.push((rest & 0x7f) | 0x80);
  }
  // A Buffer, not a bare Uint8Array: a channel that serializes with JSON writes a Buffer as bytes.
  const bytes = Buffer.allocUnsafe(V8_HEADER.length + 1 + length.length + text.length);
  bytes.set(V8_HEADER);
  bytes[V8_HEADER.length] = V8_ONE_BYTE_STRING;
  bytes.set(length, V8_HEADER.length + 1);
  const start = V8_HEADER.length + 1 + length.length;
  for (let i = 0; i < text.length; i += 1) {
    bytes[start + i] = text.charCodeAt(i);
  }
  return bytes;
}

/**
 * The line in a message from a Vitest worker's IPC channel, or undefined when it is not trc's. It
 * arrives as bytes where the channel serializes with V8, and as `{type: 'Buffer', data}` where it
 * serializes with JSON.
 */
export function decodeIpcMessage<T>(message: unknown): T | undefined {
  const bytes = toBytes(message);
  if (!bytes || bytes[0] !== V8_HEADER[0] || bytes[2] !== V8_ONE_BYTE_STRING) {
    return undefined;
  }
  let length = 0;
  let at = 3;
  for (let shift = 0; at < bytes.length && shift < 35; shift += 7) {
    const byte = bytes[at++] ?? 0;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      break;
    }
  }
  if (at + length > bytes.length || length < IPC_MARK.length) {
    return undefined;
  }
  let text = '';
  for (let i = at; i < at + length; i += 1) {
    text += String.fromCharCode(bytes[i] ?? 0);
  }
  if (!text.startsWith(IPC_MARK)) {
    return undefined;
  }
  try {
    return JSON.parse(text.slice(IPC_MARK.length)) as T;
  } catch {
    return undefined;
  }
}

function toBytes(message: unknown): ArrayLike<number> | undefined {
  if (message instanceof Uint8Array) {
    return message;
  }
  const json = message as { type?: unknown; data?: unknown } | null;
  if (typeof json === 'object' && json !== null && json.type === 'Buffer' && Array.isArray(json.data)) {
    return json.data as number[];
  }
  return undefined;
}
