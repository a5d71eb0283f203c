import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/runs/model.js';
import { COUNTER_FIELDS } from '../../src/store/keys.js';
import { decodeCounts, decodeRun, DELETE_FIELD, encodeRunFields } from '../../src/store/run-codec.js';

const full: RunRecord = {
  runId: 'test_20240101_000000_abcdef01',
  status: 'COMPLETED',
  result: 'failed',
  project: 'web',
  files: ['test/a.test.ts', 'test/**/*.spec.ts'],
  testNamePattern: 'login',
  vitestProject: 'unit',
  env: { API_URL: 'http://localhost:3000', EMPTY: '' },
  timeoutMs: 60_000,
  showConsole: true,
  labels: { team: 'checkout', 'ci/job': '42' },
  createdAt: '2024-01-01T00:00:00.000Z',
  startedAt: '2024-01-01T00:00:01.000Z',
  endedAt: '2024-01-01T00:05:00.000Z',
  pauseRequested: true,
  cancelRequested: false,
  counts: { total: 10, passed: 7, failed: 1, skipped: 2, running: 0 },
  pid: 4242,
  exitCode: 1,
  reason: 'tests failed',
  notes: ['showConsole ignored: only supported on Windows (this daemon runs on linux)'],
  reportsRemovedAt: '2024-01-02T00:00:00.000Z',
};

/** What HGETALL would return after HSET of the encoded fields (counters written separately). */
function toHash(run: RunRecord): Record<string, string> {
  const { runId, counts, ...rest } = run;
  const pairs = encodeRunFields(rest, { omitNulls: true });
  const hash: Record<string, string> = { runId };
  for (let i = 0; i < pairs.length; i += 2) {
    hash[pairs[i] as string] = pairs[i + 1] as string;
  }
  hash[COUNTER_FIELDS.total] = String(counts.total);
  hash[COUNTER_FIELDS.passed] = String(counts.passed);
  hash[COUNTER_FIELDS.failed] = String(counts.failed);
  hash[COUNTER_FIELDS.skipped] = String(counts.skipped);
  hash[COUNTER_FIELDS.running] = String(counts.running);
  return hash;
}

describe('run codec', () => {
  it('round-trips a full run record', () => {
    expect(decodeRun(toHash(full))).toEqual(full);
  });

  it('round-trips a fresh run whose optional fields are null', () => {
    const fresh: RunRecord = {
      ...full,
      status: 'PENDING',
      result: null,
      testNamePattern: null,
      vitestProject: null,
      env: {},
      timeoutMs: null,
      showConsole: false,
      labels: {},
      startedAt: null,
      endedAt: null,
      pauseRequested: false,
      counts: { total: 0, passed: 0, failed: 0, skipped: 0, running: 0 },
      pid: null,
      exitCode: null,
      reason: null,
      notes: [],
      reportsRemovedAt: null,
    };
    expect(decodeRun(toHash(fresh))).toEqual(fresh);
  });

  it('encodes null as the delete marker, or leaves it out with omitNulls', () => {
    const fields = { pid: null, exitCode: 0, reason: null };
    expect(encodeRunFields(fields)).toEqual(['pid', DELETE_FIELD, 'exitCode', '0', 'reason', DELETE_FIELD]);
    expect(encodeRunFields(fields, { omitNulls: true })).toEqual(['exitCode', '0']);
  });

  it('skips undefined fields, writes booleans as 1/0 and JSON fields as JSON', () => {
    expect(
      encodeRunFields({
        pauseRequested: true,
        cancelRequested: false,
        labels: { a: 'b' },
        startedAt: undefined,
      }),
    ).toEqual(['pauseRequested', '1', 'cancelRequested', '0', 'labels', '{"a":"b"}']);
  });

  it('decodes an empty or partial hash as no run', () => {
    expect(decodeRun({})).toBeNull();
    expect(decodeRun({ runId: 'test_20240101_000000_abcdef01' })).toBeNull();
  });

  it('reads counters from the c:* fields, missing ones as 0', () => {
    expect(decodeCounts({ [COUNTER_FIELDS.total]: '5', [COUNTER_FIELDS.passed]: '3' })).toEqual({
      total: 5,
      passed: 3,
      failed: 0,
      skipped: 0,
      running: 0,
    });
  });

  it('never shows a negative running count', () => {
    expect(decodeCounts({ [COUNTER_FIELDS.running]: '-2' }).running).toBe(0);
  });
});
