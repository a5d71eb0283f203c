import { describe, expect, it } from 'vitest';
import type { TestRecord } from '../../src/runs/model.js';
import { settleTests, type StopCause } from '../../src/runs/settle-tests.js';
import { deriveTraceIds } from '../../src/runner/trace-id.js';
import { TRACE_ID_PATTERN } from '../../src/runner/env-contract.js';

const RUN_ID = 'test_20240101_000000_abcdef01';

function record(id: string, status: TestRecord['status'], extra: Partial<TestRecord> = {}): TestRecord {
  return {
    id,
    file: 'test/a.test.ts',
    name: id,
    fullName: `a > ${id}`,
    status,
    durationMs: status === 'passed' || status === 'failed' ? 5 : null,
    traceId: deriveTraceIds(RUN_ID)(id),
    seq: 0,
    ...extra,
  };
}

/** One case of each status, in the file `test/a.test.ts` of the default project. */
function mixedTests(): TestRecord[] {
  return [
    record('p', 'passed', { seq: 0 }),
    record('f', 'failed', { seq: 1, error: { message: 'expected 1 to be 2', kind: 'failure' } }),
    record('s', 'skipped', { seq: 2, skipReason: 'skip' }),
    record('r', 'running', { seq: 3 }),
    record('w', 'pending', { seq: 4 }),
  ];
}

const fileKey = (project: string, file: string): string => JSON.stringify([project, file]);

function settle(cause: StopCause, files: Record<string, string> = {}, tests = mixedTests()): TestRecord[] {
  return settleTests({ tests, files, cause, traceFor: deriveTraceIds(RUN_ID) });
}

function byId(tests: TestRecord[], id: string): TestRecord {
  const found = tests.find((test) => test.id === id);
  if (!found) {
    throw new Error(`no test ${id}`);
  }
  return found;
}

function expectBalanced(tests: TestRecord[]): void {
  const count = (status: TestRecord['status']): number =>
    tests.filter((test) => test.status === status).length;
  expect(count('running') + count('pending')).toBe(0);
  expect(count('passed') + count('failed') + count('skipped')).toBe(tests.length);
}

describe('settleTests', () => {
  it('fails the case in flight with an error naming the crash', () => {
    const tests = settle({ kind: 'crashed', description: 'the Vitest child was killed by SIGKILL' });
    const running = byId(tests, 'r');
    expect(running.status).toBe('failed');
    expect(running.error?.kind).toBe('error');
    expect(running.error?.message).toContain('killed by SIGKILL');
    expect(running.errors).toEqual([running.error]);
  });

  it('fails the case in flight with an error naming the timeout', () => {
    const running = byId(settle({ kind: 'timed-out', timeoutMs: 1500 }), 'r');
    expect(running.status).toBe('failed');
    expect(running.error).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/timed out after 1500 ms/),
    });
  });

  it.each<[string, StopCause, string]>([
    ['cancelled', { kind: 'cancelled', reason: 'cancelled' }, 'cancelled'],
    ['timed out', { kind: 'timed-out', timeoutMs: 10 }, 'timed out'],
    ['crashed', { kind: 'crashed', description: 'exit code 3' }, 'not run: exit code 3'],
  ])('skips pending cases when %s, with the reason', (_name, cause, reason) => {
    const pending = byId(settle(cause), 'w');
    expect(pending.status).toBe('skipped');
    expect(pending.skipReason).toBe(reason);
  });

  it('leaves passed, failed and skipped cases as they were', () => {
    const before = mixedTests();
    const after = settle({ kind: 'cancelled', reason: 'cancelled' }, {}, before);
    for (const id of ['p', 'f', 's']) {
      expect(byId(after, id)).toEqual(byId(before, id));
    }
  });

  it('gives a trace id to a case that had none', () => {
    const tests = settle({ kind: 'completed' }, {}, [record('x', 'pending', { traceId: '' })]);
    expect(byId(tests, 'x').traceId).toBe(deriveTraceIds(RUN_ID)('x'));
  });

  it('adds one skipped placeholder per planned file that has no cases', () => {
    const files = {
      [fileKey('', 'test/a.test.ts')]: 'started',
      [fileKey('', 'test/b.test.ts')]: 'planned',
      [fileKey('web', 'test/c.test.ts')]: 'planned',
    };
    const tests = settle({ kind: 'cancelled', reason: 'cancelled' }, files);
    const placeholders = tests.filter((test) => test.placeholder);
    expect(placeholders.map((test) => [test.project, test.file])).toEqual([
      [undefined, 'test/b.test.ts'],
      ['web', 'test/c.test.ts'],
    ]);
    for (const placeholder of placeholders) {
      expect(placeholder).toMatchObject({ status: 'skipped', skipReason: 'cancelled', placeholder: true });
      expect(placeholder.traceId).toMatch(TRACE_ID_PATTERN);
    }
    expect(new Set(placeholders.map((test) => test.traceId)).size).toBe(2);
    expect(new Set(tests.map((test) => test.id)).size).toBe(tests.length);
    // Placeholders come after every reported case.
    expect(Math.min(...placeholders.map((test) => test.seq ?? 0))).toBeGreaterThan(4);
  });

  it('counts a file of another project as not run even when the same path ran in the default project', () => {
    const files = {
      [fileKey('', 'test/a.test.ts')]: 'started',
      [fileKey('node', 'test/a.test.ts')]: 'planned',
    };
    const placeholders = settle({ kind: 'timed-out', timeoutMs: 5 }, files).filter(
      (test) => test.placeholder,
    );
    expect(placeholders).toHaveLength(1);
    expect(placeholders[0]).toMatchObject({
      project: 'node',
      file: 'test/a.test.ts',
      skipReason: 'timed out',
    });
  });

  it.each<StopCause>([
    { kind: 'completed' },
    { kind: 'cancelled', reason: 'cancelled' },
    { kind: 'timed-out', timeoutMs: 100 },
    { kind: 'crashed', description: 'signal SIGSEGV' },
  ])('leaves total = passed + failed + skipped ($kind)', (cause) => {
    const tests = settle(cause, { [fileKey('', 'test/z.test.ts')]: 'planned' });
    expectBalanced(tests);
    expect(tests).toHaveLength(6);
  });
});
