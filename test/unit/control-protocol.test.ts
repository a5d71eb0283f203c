import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { decodeIpcMessage, encodeIpcMessage, type StateLine } from '../../runner-plugin/control-protocol.js';

const STATE: StateLine = {
  t: 'state',
  paused: true,
  cancelled: false,
  reason: 'cancelled: déjà vu ✓',
  nonce: 'n1',
};

describe('control messages on a Vitest worker IPC channel', () => {
  it('are strings in V8 serialization, as Vitest 4.0 decodes every message there', () => {
    const text = v8.deserialize(encodeIpcMessage(STATE)) as unknown;
    expect(typeof text).toBe('string');
    expect(String(text)).toMatch(/^trc:\{/);
    // A request or answer of Vitest's is an object with these keys: a string has none of them.
    expect((text as Record<string, unknown>).__vitest_worker_request__).toBeUndefined();
  });

  it('come back whole, non-ASCII reasons and long lines too', () => {
    expect(decodeIpcMessage(encodeIpcMessage(STATE))).toEqual(STATE);
    const running = Array.from({ length: 300 }, (_, i) => ({ id: `case-${i}`, trace: 'f'.repeat(32) }));
    const ack = { t: 'ack' as const, nonce: 'n2', running };
    expect(encodeIpcMessage(ack).length).toBeGreaterThan(16_384);
    expect(decodeIpcMessage(encodeIpcMessage(ack))).toEqual(ack);
  });

  it('are read as the bytes of a V8-serializing channel and as the object a JSON channel makes of a Buffer', () => {
    const bytes = encodeIpcMessage(STATE);
    expect(decodeIpcMessage(bytes)).toEqual(STATE);
    // Senders wrap the bytes in a Buffer, which a JSON channel writes as {type: 'Buffer', data}.
    expect(decodeIpcMessage(JSON.parse(JSON.stringify(Buffer.from(bytes))))).toEqual(STATE);
  });

  it("are told apart from Vitest's messages and anything else", () => {
    for (const message of [
      { __vitest_worker_request__: true, type: 'run' },
      { t: 'q', i: '1', m: 'onTaskUpdate', a: [] },
      v8.serialize({ t: 's', i: '1', r: null }),
      v8.serialize('a string of someone else'),
      v8.serialize('trc:{not json'),
      Buffer.from([0xff, 0x0f, 0x22, 0x7f, 0x74]),
      'trc:{}',
      null,
      undefined,
    ]) {
      expect(decodeIpcMessage(message)).toBeUndefined();
    }
  });
});
