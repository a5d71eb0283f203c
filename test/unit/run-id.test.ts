import { describe, expect, it } from 'vitest';
import { createRunId, RUN_ID_PATTERN } from '../../src/runs/run-id.js';

describe('createRunId', () => {
  it('reads test_YYYYMMDD_HHMMSS_<8 hex> with the time in UTC', () => {
    const id = createRunId(new Date('2024-03-05T07:08:09.987Z'));
    expect(id).toMatch(/^test_20240305_070809_[0-9a-f]{8}$/);
    expect(id).toMatch(RUN_ID_PATTERN);
  });

  it('uses UTC even when the offset moves the local date', () => {
    // 23:30 on the 31st in UTC-5 is the 1st of the next year in UTC.
    expect(createRunId(new Date('2023-12-31T23:30:00-05:00'))).toMatch(/^test_20240101_043000_/);
  });

  it('gives different ids within the same second', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    const ids = new Set(Array.from({ length: 50 }, () => createRunId(now)));
    expect(ids.size).toBe(50);
  });

  it('defaults to the current time', () => {
    expect(createRunId()).toMatch(RUN_ID_PATTERN);
  });
});

describe('RUN_ID_PATTERN', () => {
  it.each([
    'test_20240101_000000_abcdef0',
    'test_20240101_000000_abcdef012',
    'test_20240101_000000_ABCDEF01',
    'test_2024010_000000_abcdef01',
    'run_20240101_000000_abcdef01',
    'test_20240101_000000_abcdef01/../x',
    ' test_20240101_000000_abcdef01',
  ])('rejects %j', (id) => {
    expect(RUN_ID_PATTERN.test(id)).toBe(false);
  });
});
