import { describe, expect, it } from 'vitest';
import type { TestRecord } from '../../src/runs/model.js';
import { deriveTraceIds } from '../../src/runner/trace-id.js';
import { decodeTestRecord, encodeTestRecord } from '../../src/store/test-codec.js';

const traceFor = deriveTraceIds('test_20261123_120000_0badcafe');

function record(overrides: Partial<TestRecord> = {}): TestRecord {
  return {
    id: '-1008398104_12',
    file: 'test/a.test.ts',
    name: 'adds',
    fullName: 'adds',
    status: 'passed',
    durationMs: 1.25,
    traceId: traceFor('-1008398104_12'),
    seq: 12,
    ...overrides,
  };
}

describe('test record codec', () => {
  it('leaves out what a reader derives, and gives it back whole', () => {
    const pending = record({ status: 'pending', durationMs: null });
    const stored = encodeTestRecord(pending, traceFor);
    expect(JSON.parse(stored)).toEqual({
      id: pending.id,
      file: pending.file,
      name: pending.name,
      status: 'pending',
      seq: 12,
    });
    expect(decodeTestRecord(stored, traceFor)).toEqual(pending);
  });

  it('keeps a full name, a trace id and the other fields that differ from the derived ones', () => {
    const failed = record({
      fullName: 'math > adds',
      traceId: 'ab'.repeat(16),
      status: 'failed',
      project: 'unit',
      error: { message: 'expected 2 to be 3', kind: 'failure' },
      errors: [{ message: 'expected 2 to be 3', kind: 'failure' }],
    });
    const stored = JSON.parse(encodeTestRecord(failed, traceFor)) as Record<string, unknown>;
    expect(stored).toMatchObject({ fullName: 'math > adds', traceId: 'ab'.repeat(16), durationMs: 1.25 });
    expect(decodeTestRecord(encodeTestRecord(failed, traceFor), traceFor)).toEqual(failed);
  });

  it('reads a record stored whole, as earlier versions did', () => {
    const whole = record({ status: 'skipped', skipReason: 'cancelled', durationMs: null });
    expect(decodeTestRecord(JSON.stringify(whole), traceFor)).toEqual(whole);
  });

  it('is about half the bytes for a passed case', () => {
    const passed = record();
    expect(encodeTestRecord(passed, traceFor).length).toBeLessThan(JSON.stringify(passed).length * 0.7);
  });
});
