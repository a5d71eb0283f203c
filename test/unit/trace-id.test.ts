import { describe, expect, it } from 'vitest';
import { deriveTraceIds } from '../../src/runner/trace-id.js';

const RUN_ID = 'test_20240101_000000_abcdef01';

/** Vitest's ids: a hash of file and project, then the position of each suite and case. */
function vitestIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? `-1732984061_${i}` : `1008553841_${i % 7}_${i}`,
  );
}

function differingBits(a: string, b: string): number {
  const bits = (hex: string): string =>
    BigInt(`0x${hex}`)
      .toString(2)
      .padStart(hex.length * 4, '0');
  const [x, y] = [bits(a), bits(b)];
  return [...x].filter((bit, i) => bit !== y[i]).length;
}

describe('trace ids derived from run and case ids', () => {
  it('are 32 lowercase hex characters, the same wherever they are derived', () => {
    const derive = deriveTraceIds(RUN_ID);
    for (const id of vitestIds(1000)) {
      const traceId = derive(id);
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe('0'.repeat(32));
      expect(deriveTraceIds(RUN_ID)(id)).toBe(traceId);
    }
  });

  it('are distinct across 100,000 cases of a run', () => {
    const derive = deriveTraceIds(RUN_ID);
    const ids = vitestIds(100_000).map(derive);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('differ from run to run for the same case', () => {
    const other = deriveTraceIds('test_20240101_000000_abcdef02');
    const derive = deriveTraceIds(RUN_ID);
    const cases = vitestIds(1000);
    expect(cases.filter((id) => other(id) === derive(id))).toEqual([]);
    // Run ids one character apart still get unrelated ids: about half of the bits differ.
    expect(differingBits(derive(cases[0] as string), other(cases[0] as string))).toBeGreaterThan(40);
  });

  it('change about half of the case bits when one character of the case id does', () => {
    const derive = deriveTraceIds(RUN_ID);
    const flips = vitestIds(200).map((id) => differingBits(derive(id).slice(16), derive(`${id}0`).slice(16)));
    const mean = flips.reduce((sum, n) => sum + n, 0) / flips.length;
    expect(mean).toBeGreaterThan(28);
    expect(mean).toBeLessThan(36);
  });
});
