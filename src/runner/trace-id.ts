const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function toHex(words: readonly number[]): string {
  let id = '';
  for (const word of words) {
    id +=
      (HEX_BYTES[word >>> 24] as string) +
      HEX_BYTES[(word >>> 16) & 0xff] +
      HEX_BYTES[(word >>> 8) & 0xff] +
      HEX_BYTES[word & 0xff];
  }
  return id;
}

/**
 * A 64-bit non-cryptographic hash of `text` as two 32-bit words (bryc's cyrb53, both lanes kept).
 * Cheap even before the JIT warms up: a test worker may derive thousands of ids in its first second.
 */
function hash64(text: string, seed: number): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/**
 * The trace ids of one run's test cases. For a case id, the function returned gives 32 lowercase
 * hex characters (W3C-compatible, never all zeros): 64 bits that hash the run id, then 64 that
 * hash the case id with the run's seed. The test worker, the Vitest main process and the daemon each derive them,
 * so a trace id never travels with a case's results, which thousands of cases a second send
 * between processes. Unique within a run as Vitest's test ids are (a collision among 100,000
 * cases has a chance of about 1 in 10^9), and different from run to run.
 */
export function deriveTraceIds(runId: string): (testId: string) => string {
  const [run1, run2] = hash64(runId, 0);
  // The run's half is zero as rarely as any other value, but W3C forbids an all-zero id.
  const prefix = toHex([run1, run1 === 0 && run2 === 0 ? 1 : run2]);
  const seed = run1 ^ run2;
  return (testId) => prefix + toHex(hash64(testId, seed));
}
