import { describe, expect, it } from 'vitest';
import type { TestRecordChange } from '../../src/runs/model.js';
import type { TestBatch } from '../../src/runs/test-batch.js';
import { TestProgress } from '../../src/runs/test-progress.js';

const BATCH: TestBatch = {
  collected: [
    {
      file: 'test/a.test.ts',
      cases: [
        ['a1', 'adds'],
        ['a2', 'subtracts', 'math > subtracts'],
      ],
    },
    { file: 'test/b.test.ts', project: 'node', cases: [['b1', 'reads']] },
  ],
  changes: [
    { id: 'a2', status: 'running', traceId: 'trace-a2' },
    { id: 'b1', status: 'failed', durationMs: 3, error: { message: 'boom', kind: 'failure' } },
  ],
  passed: [
    ['a1', 1.5],
    ['c1', null],
  ],
};

/** The same news as BATCH, one change object each, in the order a batch merges. */
const CHANGES: TestRecordChange[] = [
  { id: 'a1', file: 'test/a.test.ts', name: 'adds', fullName: 'adds' },
  { id: 'a2', file: 'test/a.test.ts', name: 'subtracts', fullName: 'math > subtracts' },
  { id: 'b1', file: 'test/b.test.ts', name: 'reads', fullName: 'reads', project: 'node' },
  { id: 'a2', status: 'running', traceId: 'trace-a2' },
  { id: 'b1', status: 'failed', durationMs: 3, error: { message: 'boom', kind: 'failure' } },
  { id: 'a1', durationMs: 1.5, status: 'passed' },
  { id: 'c1', durationMs: null, status: 'passed' },
];

describe('TestProgress.applyBatch', () => {
  it('merges names, whole changes and passes, and answers the counter deltas', () => {
    const progress = new TestProgress();
    expect(progress.applyBatch(BATCH)).toEqual({
      'c:total': 4,
      'c:running': 1,
      'c:failed': 1,
      'c:passed': 2,
    });
    expect(progress.records()).toEqual([
      {
        id: 'a1',
        file: 'test/a.test.ts',
        name: 'adds',
        fullName: 'adds',
        status: 'passed',
        durationMs: 1.5,
        traceId: '',
        seq: 0,
      },
      {
        id: 'a2',
        file: 'test/a.test.ts',
        name: 'subtracts',
        fullName: 'math > subtracts',
        status: 'running',
        durationMs: null,
        traceId: 'trace-a2',
        seq: 1,
      },
      {
        id: 'b1',
        file: 'test/b.test.ts',
        name: 'reads',
        fullName: 'reads',
        project: 'node',
        status: 'failed',
        durationMs: 3,
        traceId: '',
        error: { message: 'boom', kind: 'failure' },
        seq: 2,
      },
      // A pass of a case never named (its file's news was lost) still counts, unnamed.
      { id: 'c1', file: '', name: '', fullName: '', status: 'passed', durationMs: null, traceId: '', seq: 3 },
    ]);
    expect(progress.counts()).toEqual({ total: 4, passed: 2, failed: 1, skipped: 0, running: 1 });
  });

  it('ends as the same records and counters as the batch merged one change at a time', () => {
    const byBatch = new TestProgress();
    const byChange = new TestProgress();
    expect(byBatch.applyBatch(BATCH)).toEqual(byChange.applyBatch({ changes: CHANGES }));
    expect(byBatch.records()).toEqual(byChange.records());
  });

  it('moves a running case to its end once, and never back', () => {
    const progress = new TestProgress();
    progress.applyBatch({ collected: [{ file: 'test/a.test.ts', cases: [['a1', 'adds']] }] });
    expect(progress.applyBatch({ changes: [{ id: 'a1', status: 'running' }] })).toEqual({ 'c:running': 1 });
    expect(progress.applyBatch({ passed: [['a1', 2]] })).toEqual({ 'c:running': -1, 'c:passed': 1 });
    expect(progress.applyBatch({ changes: [{ id: 'a1', status: 'running' }], passed: [['a1', 2]] })).toEqual(
      {},
    );
    expect(progress.counts()).toEqual({ total: 1, passed: 1, failed: 0, skipped: 0, running: 0 });
  });
});
