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
  | { t: 'ack'; nonce: string; running: RunningCase[] }
  | { t: 'running'; running: RunningCase[] }
  /** Opens a worker's IPC channel, as a connect opens a socket. */
  | { t: 'hello' };

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

/** What every message trc sends over a Vitest worker's IPC channel starts with. */
const IPC_MARK = 'trc:';

/** The header of a value in V8's serialization format, as `v8.serialize` writes it (format 15). */
const V8_HEADER = [0xff, 0x0f];
/** V8's tag for a one-byte string. */
const V8_ONE_BYTE_STRING = 0x22;

/**
 * A message for a Vitest worker's IPC channel: `trc:` and the JSON (kept to ASCII), as a string in
 * V8's serialization format. Vitest 4.0 passes every message there through `v8.deserialize`; every
 * Vitest from 4.0 on drops one that is no request or answer of its own. Send it as a Buffer: a
 * channel that serializes with JSON writes a bare Uint8Array as an object.
 */
export function encodeIpcMessage(line: StateLine | WorkerLine): Uint8Array {
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
  const bytes = new Uint8Array(V8_HEADER.length + 1 + length.length + text.length);
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
  // Not `instanceof`: in a Vitest vm pool, trc's code and the channel's Buffer live in two realms.
  if (ArrayBuffer.isView(message)) {
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  }
  const json = message as { type?: unknown; data?: unknown } | null;
  if (typeof json === 'object' && json !== null && json.type === 'Buffer' && Array.isArray(json.data)) {
    return json.data as number[];
  }
  return undefined;
}
