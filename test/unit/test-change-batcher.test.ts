import { describe, expect, it } from 'vitest';
import type { TestBatch } from '../../src/runs/test-batch.js';
import { MIN_BATCH_INTERVAL_MS, TestChangeBatcher } from '../../runner-plugin/test-change-batcher.js';
import { waitFor } from '../setup/wait-for.js';

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('TestChangeBatcher', () => {
  it('sends news after a quiet spell at the end of the turn, files and cases in one batch', async () => {
    const sent: TestBatch[] = [];
    const batcher = new TestChangeBatcher((batch) => sent.push(batch));
    batcher.addFiles({ '["","a.test.ts"]': 'planned', '["","b.test.ts"]': 'planned' });
    batcher.addFiles({ '["","a.test.ts"]': 'started' });
    batcher.addCollected({ file: 'a.test.ts', cases: [['a1', 'one']] });
    batcher.addPassed('a1', 1.5);
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([
      {
        files: { '["","a.test.ts"]': 'started', '["","b.test.ts"]': 'planned' },
        collected: [{ file: 'a.test.ts', cases: [['a1', 'one']] }],
        passed: [['a1', 1.5]],
      },
    ]);
  });

  it('holds news of files that follows a batch closely until the interval has passed', async () => {
    let clock = 1_000;
    const sent: TestBatch[] = [];
    const batcher = new TestChangeBatcher(
      (batch) => sent.push(batch),
      () => clock,
    );
    batcher.addPassed('a', 1);
    await nextTurn();
    expect(sent).toHaveLength(1);

    clock += 10;
    batcher.addFiles({ '["","b.test.ts"]': 'started' });
    batcher.addCollected({ file: 'b.test.ts', cases: [['b1', 'one']] });
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toHaveLength(1);

    await waitFor(() => sent.length === 2, {
      timeoutMs: 2000,
      intervalMs: 5,
      message: 'the held batch was sent',
    });
    expect(sent[1]).toEqual({
      files: { '["","b.test.ts"]': 'started' },
      collected: [{ file: 'b.test.ts', cases: [['b1', 'one']] }],
    });
  });

  it("never holds a case's own news: it goes at the end of the turn and takes held news of files along", async () => {
    const sent: TestBatch[] = [];
    const batcher = new TestChangeBatcher((batch) => sent.push(batch));
    batcher.addPassed('a', 1);
    await nextTurn();
    batcher.addFiles({ '["","b.test.ts"]': 'started' });
    await nextTurn();
    expect(sent).toHaveLength(1);
    batcher.add({ id: 'b1', status: 'running' });
    await nextTurn();
    expect(sent[1]).toEqual({
      files: { '["","b.test.ts"]': 'started' },
      changes: [{ id: 'b1', status: 'running' }],
    });
    batcher.addPassed('b1', 2);
    await nextTurn();
    expect(sent[2]).toEqual({ passed: [['b1', 2]] });
  });

  it('sends at once on flush, and sends nothing when there is nothing new', async () => {
    const sent: TestBatch[] = [];
    const batcher = new TestChangeBatcher((batch) => sent.push(batch));
    batcher.addPassed('a', 1);
    batcher.flush();
    expect(sent).toEqual([{ passed: [['a', 1]] }]);
    batcher.add({ id: 'b', status: 'failed' });
    batcher.flush();
    batcher.flush();
    await new Promise((resolve) => setTimeout(resolve, MIN_BATCH_INTERVAL_MS + 20));
    expect(sent).toEqual([{ passed: [['a', 1]] }, { changes: [{ id: 'b', status: 'failed' }] }]);
  });
});
