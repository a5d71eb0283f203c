import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { RunRecord, RunStatus, TestRecord } from '../../src/runs/model.js';
import { createKeys, type RedisKeys } from '../../src/store/keys.js';
import { RunStore } from '../../src/store/run-store.js';
import { deriveTraceIds } from '../../src/runner/trace-id.js';
import { countTests } from '../../src/runs/settle-tests.js';
import { deleteKeys } from '../setup/delete-keys.js';
import { buildRunRecord } from '../setup/run-record.js';

const redis = new Redis(inject('redisUrl'));
let keys: RedisKeys;
let store: RunStore;
let created = 0;

beforeEach(() => {
  keys = createKeys(`t${randomBytes(6).toString('hex')}`);
  store = new RunStore(redis, keys);
});

afterEach(async () => {
  await deleteKeys(redis, keys.prefix);
});

afterAll(async () => {
  await redis.quit();
});

function newRun(overrides: Partial<RunRecord> = {}): RunRecord {
  created += 1;
  return buildRunRecord({
    runId: `test_20240101_000000_${created.toString(16).padStart(8, '0')}`,
    files: ['test/a.test.ts'],
    env: { API_URL: 'http://localhost' },
    labels: { team: 'qa' },
    createdAt: new Date().toISOString(),
    ...overrides,
  });
}

async function createRuns(count: number, overrides: Partial<RunRecord> = {}): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const run = newRun(overrides);
    await store.createRun(run);
    runs.push(run);
  }
  return runs;
}

async function idsWithStatus(status: RunStatus): Promise<string[]> {
  return (await store.listRunIds({ status, limit: 100 })).map((row) => row.runId);
}

function testRecord(id: string, status: TestRecord['status'], seq: number): TestRecord {
  return {
    id,
    file: 'test/a.test.ts',
    name: id,
    fullName: id,
    status,
    durationMs: null,
    traceId: 'a'.repeat(32),
    seq,
  };
}

describe('RunStore: create and read', () => {
  it('reads back the run it created', async () => {
    const run = newRun({ testNamePattern: 'login', timeoutMs: 5000, notes: ['a note'] });
    await store.createRun(run);
    expect(await store.getRun(run.runId)).toEqual(run);
  });

  it('answers null for a run that does not exist', async () => {
    expect(await store.getRun('test_20240101_000000_ffffffff')).toBeNull();
  });

  it('reads several runs at once, leaving out missing ones', async () => {
    const [a, b] = await createRuns(2);
    const runs = await store.getRuns([b!.runId, 'test_20240101_000000_ffffffff', a!.runId]);
    expect(runs.map((run) => run.runId)).toEqual([b!.runId, a!.runId]);
    expect(await store.getRuns([])).toEqual([]);
  });
});

describe('RunStore: listing', () => {
  it('lists run ids newest first', async () => {
    const runs = await createRuns(3);
    const rows = await store.listRunIds({ limit: 10 });
    expect(rows.map((row) => row.runId)).toEqual(runs.map((run) => run.runId).reverse());
    expect(rows[0]!.seq).toBeGreaterThan(rows[1]!.seq);
  });

  it('pages with before, the sequence of the last row seen', async () => {
    const ids = (await createRuns(5)).map((run) => run.runId).reverse();
    const first = await store.listRunIds({ limit: 2 });
    const second = await store.listRunIds({ limit: 2, before: first.at(-1)!.seq });
    const third = await store.listRunIds({ limit: 2, before: second.at(-1)!.seq });
    expect([...first, ...second, ...third].map((row) => row.runId)).toEqual(ids);
    expect(third).toHaveLength(1);
    expect(await store.listRunIds({ limit: 2, before: third[0]!.seq })).toEqual([]);
  });

  it('lists by status', async () => {
    const [a, b, c] = await createRuns(3);
    await store.transition(b!.runId, { from: ['PENDING'], to: 'RUNNING' });
    expect(await idsWithStatus('PENDING')).toEqual([c!.runId, a!.runId]);
    expect(await idsWithStatus('RUNNING')).toEqual([b!.runId]);
    expect(await idsWithStatus('PAUSED')).toEqual([]);
  });
});

describe('RunStore: transitions', () => {
  it('applies an allowed transition, moves the status index and sets fields', async () => {
    const [run] = await createRuns(1);
    const startedAt = new Date().toISOString();
    const outcome = await store.transition(run!.runId, {
      from: ['PENDING'],
      to: 'RUNNING',
      set: { startedAt, pid: 77 },
    });
    expect(outcome).toEqual({ kind: 'applied', status: 'RUNNING', controlReady: false });
    expect(await store.getRun(run!.runId)).toMatchObject({ status: 'RUNNING', startedAt, pid: 77 });
    expect(await idsWithStatus('PENDING')).toEqual([]);
    expect(await idsWithStatus('RUNNING')).toEqual([run!.runId]);
  });

  it('refuses a transition from a status not allowed, changing nothing', async () => {
    const [run] = await createRuns(1);
    const outcome = await store.transition(run!.runId, {
      from: ['PAUSED'],
      to: 'PENDING',
      set: { pauseRequested: false },
    });
    expect(outcome).toEqual({ kind: 'refused', status: 'PENDING' });
    expect(await store.getRun(run!.runId)).toEqual(run);
  });

  it('reports a missing run', async () => {
    expect(await store.transition('test_20240101_000000_ffffffff', { from: '*', to: 'FAILED' })).toEqual({
      kind: 'missing',
    });
    expect(await store.listRunIds({ status: 'FAILED', limit: 10 })).toEqual([]);
  });

  it('sets fields without a status change, and deletes fields set to null', async () => {
    const [run] = await createRuns(1, { pid: 12, reason: 'x' });
    await store.transition(run!.runId, { from: '*', set: { controlReady: true, pid: null, reason: null } });
    const outcome = await store.transition(run!.runId, { from: '*', set: { pauseRequested: true } });
    expect(outcome).toEqual({ kind: 'applied', status: 'PENDING', controlReady: true });
    expect(await store.getRun(run!.runId)).toMatchObject({
      status: 'PENDING',
      pid: null,
      reason: null,
      pauseRequested: true,
    });
    expect(await redis.hexists(keys.run(run!.runId), 'pid')).toBe(0);
  });

  it('refuses when the `unless` field is present', async () => {
    const [fresh, started] = await createRuns(2);
    await store.transition(started!.runId, { from: '*', set: { startedAt: new Date().toISOString() } });
    const spec = {
      from: ['PENDING', 'PAUSED'] as RunStatus[],
      to: 'CANCELLED' as const,
      unless: 'startedAt',
    };
    expect(await store.transition(started!.runId, spec)).toEqual({ kind: 'refused', status: 'PENDING' });
    expect(await store.transition(fresh!.runId, spec)).toMatchObject({
      kind: 'applied',
      status: 'CANCELLED',
    });
  });

  it('lets exactly one of 20 racing pauses win', async () => {
    const [run] = await createRuns(1);
    await store.transition(run!.runId, { from: ['PENDING'], to: 'RUNNING' });
    const clients = Array.from({ length: 4 }, () => new Redis(inject('redisUrl')));
    try {
      const stores = clients.map((client) => new RunStore(client, keys));
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % stores.length]!.transition(run!.runId, {
            from: ['RUNNING'],
            to: 'PAUSED',
            set: { pauseRequested: true },
          }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.kind === 'applied')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.kind === 'refused')).toHaveLength(19);
      expect(
        outcomes.filter((outcome) => outcome.kind === 'refused').every((o) => o.status === 'PAUSED'),
      ).toBe(true);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
    expect(await idsWithStatus('RUNNING')).toEqual([]);
    expect(await idsWithStatus('PAUSED')).toEqual([run!.runId]);
  });
});

describe('RunStore: finished runs and retention', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('adds a run to the finished set when it reaches a terminal status, newest end first', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const runs = await createRuns(4, { status: 'RUNNING' });
    // End them in the order c, a, d, b, one second apart.
    const order = [runs[2]!, runs[0]!, runs[3]!, runs[1]!];
    let now = Date.parse('2024-01-01T00:00:00Z');
    for (const run of order) {
      vi.setSystemTime((now += 1000));
      await store.transition(run.runId, { from: ['RUNNING'], to: 'COMPLETED', set: { result: 'passed' } });
    }
    expect(await store.listFinishedBeyond(0)).toEqual(order.map((run) => run.runId).reverse());
    expect(await store.listFinishedBeyond(2)).toEqual([order[1]!.runId, order[0]!.runId]);
    expect(await store.listFinishedBeyond(4)).toEqual([]);
    await store.forgetFinished(order[0]!.runId);
    expect(await store.listFinishedBeyond(2)).toEqual([order[1]!.runId]);
  });

  it('does not add a run that only changes fields or goes to a live status', async () => {
    const [run] = await createRuns(1);
    await store.transition(run!.runId, { from: ['PENDING'], to: 'PAUSED' });
    await store.transition(run!.runId, { from: '*', set: { reason: 'x' } });
    expect(await store.listFinishedBeyond(0)).toEqual([]);
  });
});

describe('RunStore: delete', () => {
  it('refuses to delete a live run', async () => {
    const [run] = await createRuns(1, { status: 'RUNNING' });
    expect(await store.deleteRun(run!.runId)).toEqual({ kind: 'refused', status: 'RUNNING' });
    expect(await store.getRun(run!.runId)).not.toBeNull();
  });

  it('removes a terminal run, its tests, files and every index entry', async () => {
    const [run] = await createRuns(1, { status: 'RUNNING' });
    await store.appendTestProgress(run!.runId, [{ passed: [['b', 1]] }], {});
    await store.transition(run!.runId, { from: ['RUNNING'], to: 'CANCELLED' });
    await store.writeFinalTests(
      run!.runId,
      [testRecord('a', 'skipped', 0)],
      countTests([testRecord('a', 'skipped', 0)]),
    );
    await redis.hset(keys.files(run!.runId), JSON.stringify(['', 'test/a.test.ts']), 'planned');

    expect(await store.deleteRun(run!.runId)).toMatchObject({ kind: 'applied', status: 'CANCELLED' });
    expect(await store.getRun(run!.runId)).toBeNull();
    expect(
      await redis.exists(
        keys.run(run!.runId),
        keys.tests(run!.runId),
        keys.files(run!.runId),
        keys.progress(run!.runId),
      ),
    ).toBe(0);
    expect(await store.listRunIds({ limit: 10 })).toEqual([]);
    expect(await idsWithStatus('CANCELLED')).toEqual([]);
    expect(await store.listFinishedBeyond(0)).toEqual([]);
    expect(await store.deleteRun(run!.runId)).toEqual({ kind: 'missing' });
  });
});

describe('RunStore: tests', () => {
  it("merges a live run's batches, in the order they came, over the records already settled", async () => {
    const [run] = await createRuns(1, { status: 'RUNNING' });
    const runId = run!.runId;
    await redis.hset(keys.tests(runId), 'a', JSON.stringify(testRecord('a', 'passed', 0)));
    await store.appendTestProgress(
      runId,
      [
        {
          collected: [
            {
              file: 'test/b.test.ts',
              project: 'unit',
              cases: [
                ['b', 'b'],
                ['c', 'c', 'B > c'],
              ],
            },
          ],
        },
      ],
      { 'c:total': 2 },
      { '["unit","test/b.test.ts"]': 'started' },
    );
    // Two batches in one write, as the relay stores what came while a write was due.
    await store.appendTestProgress(
      runId,
      [
        { changes: [{ id: 'c', status: 'running', traceId: 'e'.repeat(32) }] },
        { passed: [['b', 1.5]], changes: [{ id: 'c', status: 'failed' }] },
      ],
      {},
    );

    const tests = await store.getTests(runId);
    expect(tests.map((test) => [test.id, test.status, test.seq])).toEqual([
      ['a', 'passed', 0],
      ['b', 'passed', 1],
      ['c', 'failed', 2],
    ]);
    expect(tests[1]).toMatchObject({
      file: 'test/b.test.ts',
      project: 'unit',
      fullName: 'b',
      durationMs: 1.5,
      traceId: deriveTraceIds(runId)('b'),
    });
    expect(tests[2]).toMatchObject({ fullName: 'B > c', durationMs: null, traceId: 'e'.repeat(32) });
    expect(await store.getFiles(runId)).toEqual({ '["unit","test/b.test.ts"]': 'started' });
    expect((await store.getRun(runId))!.counts.total).toBe(2);
  });

  it('stores news of files alone in the files hash, with no batch for readers to merge', async () => {
    const [run] = await createRuns(1, { status: 'RUNNING' });
    await store.appendTestProgress(run!.runId, [{}], {}, { '["","test/a.test.ts"]': 'planned' });
    expect(await store.getFiles(run!.runId)).toEqual({ '["","test/a.test.ts"]': 'planned' });
    expect(await redis.llen(keys.progress(run!.runId))).toBe(0);
    expect(await store.getTests(run!.runId)).toEqual([]);
  });

  it('replaces the test records and sets every counter to the counts of the settled cases', async () => {
    const [run] = await createRuns(1, { status: 'RUNNING' });
    await redis.hset(keys.tests(run!.runId), 'stale', JSON.stringify(testRecord('stale', 'running', 9)));
    await store.appendTestProgress(run!.runId, [{ passed: [['stale-live', 1]] }], {});
    await redis.hset(keys.run(run!.runId), 'c:running', '3', 'c:total', '99');
    const tests = [
      testRecord('c', 'skipped', 2),
      testRecord('a', 'passed', 0),
      testRecord('b', 'failed', 1),
      testRecord('d', 'passed', 3),
    ];
    await store.writeFinalTests(run!.runId, tests, countTests(tests));
    expect((await store.getRun(run!.runId))!.counts).toEqual({
      total: 4,
      passed: 2,
      failed: 1,
      skipped: 1,
      running: 0,
    });
    expect((await store.getTests(run!.runId)).map((test) => test.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(await redis.exists(keys.progress(run!.runId))).toBe(0);
  });

  it('writes zero counts for a run without tests', async () => {
    const [run] = await createRuns(1);
    await store.writeFinalTests(run!.runId, [], countTests([]));
    expect(await store.getTests(run!.runId)).toEqual([]);
    expect((await store.getRun(run!.runId))!.counts).toEqual({
      total: 0,
      passed: 0,
      failed: 0,
      skipped: 0,
      running: 0,
    });
  });
});
