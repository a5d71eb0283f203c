const ALL_ZEROS = '0'.repeat(32);
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A W3C-compatible trace id: 32 lowercase hex characters, never all zeros.
 * Drawn from Math.random, as OpenTelemetry's own id generator for node does: a trace id must be
 * unique, not secret, and a test worker then need not load node:crypto (~4 ms) before its first case.
 */
export function createTraceId(): string {
  let id = '';
  for (let i = 0; i < 4; i += 1) {
    const word = (Math.random() * 0x1_0000_0000) >>> 0;
    id +=
      (HEX_BYTES[word >>> 24] as string) +
      HEX_BYTES[(word >>> 16) & 0xff] +
      HEX_BYTES[(word >>> 8) & 0xff] +
      HEX_BYTES[word & 0xff];
  }
  return id === ALL_ZEROS ? createTraceId() : id;
}
