import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { RunCounts, TestRecord, TestRecordChange } from '../../src/runs/model.js';
import { createKeys, type RedisKeys } from '../../src/store/keys.js';
import { decodeCounts } from '../../src/store/run-codec.js';
import { RunStore } from '../../src/store/run-store.js';
import { deriveTraceIds } from '../../src/runner/trace-id.js';
import type { TestBatch } from '../../src/runs/test-batch.js';
import { TestProgress } from '../../src/runs/test-progress.js';
import { TestChangeBatcher } from '../../runner-plugin/test-change-batcher.js';

// The path of a case's record: the child's batcher → (IPC, JSON) → the daemon's merge → Redis.
const RUN_ID = 'test_20240101_000000_abcdef01';
const redis = new Redis(inject('redisUrl'));
let keys: RedisKeys;
let writer: { upsert(changes: TestRecordChange[]): void; get(id: string): TestRecord | undefined };
let batcher: TestChangeBatcher;
let writes: Array<Promise<void>>;
let batches: number;

beforeEach(() => {
  keys = createKeys(`t${randomBytes(6).toString('hex')}`);
  const store = new RunStore(redis, keys);
  const progress = new TestProgress();
  writes = [];
  batches = 0;
  batcher = new TestChangeBatcher((sent) => {
    batches += 1;
    const { files, ...batch } = JSON.parse(JSON.stringify(sent)) as TestBatch;
    const deltas = progress.applyBatch(batch);
    writes.push(store.appendTestProgress(RUN_ID, [batch], deltas, files));
  });
  writer = {
    upsert: (changes) => changes.forEach((change) => batcher.add(change)),
    get: (id) => {
      batcher.flush();
      return progress.records().find((record) => record.id === id);
    },
  };
});

async function flushWrites(): Promise<void> {
  batcher.flush();
  await Promise.all(writes);
}

afterEach(async () => {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}:*`, 'COUNT', 500);
    if (found.length > 0) {
      await redis.del(...found);
    }
    cursor = next;
  } while (cursor !== '0');
});

afterAll(async () => {
  await redis.quit();
});

async function counts(): Promise<RunCounts> {
  await flushWrites();
  return decodeCounts(await redis.hgetall(keys.run(RUN_ID)));
}

async function stored(testId: string): Promise<TestRecord | undefined> {
  await flushWrites();
  return (await new RunStore(redis, keys).getTests(RUN_ID)).find((test) => test.id === testId);
}

function collect(...ids: string[]): void {
  batcher.addCollected({ file: 'test/a.test.ts', cases: ids.map((id) => [id, id, `a > ${id}`]) });
}

describe('test progress, from the child to Redis', () => {
  it('counts collected cases in total and none as running', async () => {
    collect('a', 'b', 'c');
    expect(await counts()).toEqual({ total: 3, passed: 0, failed: 0, skipped: 0, running: 0 });
  });

  it('moves counters by exact deltas as a case goes pending → running → passed', async () => {
    collect('a', 'b');
    writer.upsert([{ id: 'a', status: 'running', traceId: 'f'.repeat(32) }]);
    expect(await counts()).toMatchObject({ total: 2, running: 1, passed: 0 });
    writer.upsert([{ id: 'a', status: 'passed', durationMs: 12 }]);
    expect(await counts()).toEqual({ total: 2, passed: 1, failed: 0, skipped: 0, running: 0 });
    expect(await stored('a')).toMatchObject({
      id: 'a',
      file: 'test/a.test.ts',
      fullName: 'a > a',
      status: 'passed',
      durationMs: 12,
      traceId: 'f'.repeat(32),
    });
  });

  it('takes collected files and passed cases in their short form', async () => {
    batcher.addCollected({
      file: 'test/b.test.ts',
      project: 'unit',
      cases: [
        ['x', 'x'],
        ['y', 'y', 'b > y'],
      ],
    });
    batcher.addPassed('x', 1.5);
    writer.upsert([{ id: 'y', status: 'failed', error: { message: 'boom' } }]);
    expect(await counts()).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0, running: 0 });
    expect(await stored('x')).toMatchObject({
      file: 'test/b.test.ts',
      project: 'unit',
      name: 'x',
      fullName: 'x',
      status: 'passed',
      durationMs: 1.5,
      traceId: deriveTraceIds(RUN_ID)('x'),
    });
    expect(await stored('y')).toMatchObject({ name: 'y', fullName: 'b > y', status: 'failed' });
    expect(batches).toBe(1);
  });

  it('counts a case in total once however often it is updated', async () => {
    collect('a');
    collect('a');
    writer.upsert([{ id: 'a', status: 'running' }]);
    writer.upsert([{ id: 'a', status: 'failed' }]);
    writer.upsert([{ id: 'b', status: 'skipped', skipReason: 'todo' }]);
    expect(await counts()).toEqual({ total: 2, passed: 0, failed: 1, skipped: 1, running: 0 });
  });

  it('never moves a case back from an end status', async () => {
    collect('a');
    writer.upsert([{ id: 'a', status: 'running' }]);
    writer.upsert([{ id: 'a', status: 'passed' }]);
    writer.upsert([{ id: 'a', status: 'running' }]);
    writer.upsert([{ id: 'a', status: 'pending', durationMs: 3 }]);
    expect(await counts()).toEqual({ total: 1, passed: 1, failed: 0, skipped: 0, running: 0 });
    expect(await stored('a')).toMatchObject({ status: 'passed', durationMs: 3 });
    expect(writer.get('a')?.status).toBe('passed');
  });

  it('keeps the order of first report in seq', async () => {
    collect('b');
    collect('a', 'c');
    writer.upsert([{ id: 'b', status: 'running' }]);
    expect((await stored('b')).seq).toBe(0);
    expect((await stored('a')).seq).toBe(1);
    expect((await stored('c')).seq).toBe(2);
  });

  it('sends the changes of one event-loop turn as one batch', async () => {
    collect(...Array.from({ length: 200 }, (_, i) => `case-${i}`));
    for (let i = 0; i < 200; i += 1) {
      writer.upsert([{ id: `case-${i}`, status: 'running' }]);
      writer.upsert([{ id: `case-${i}`, status: i % 2 === 0 ? 'passed' : 'failed' }]);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toBe(1);
    await Promise.all(writes);
    expect(await redis.llen(keys.progress(RUN_ID))).toBe(1);
    expect(await new RunStore(redis, keys).getTests(RUN_ID)).toHaveLength(200);
    expect(decodeCounts(await redis.hgetall(keys.run(RUN_ID)))).toEqual({
      total: 200,
      passed: 100,
      failed: 100,
      skipped: 0,
      running: 0,
    });
  });
});

describe('trace ids of case records', () => {
  it('gives a collected case the trace id its worker derives, and keeps one the worker names', async () => {
    collect('a', 'b');
    expect((await stored('a'))?.traceId).toBe(deriveTraceIds(RUN_ID)('a'));
    writer.upsert([{ id: 'b', status: 'running', traceId: 'e'.repeat(32) }]);
    writer.upsert([{ id: 'b', status: 'passed' }]);
    expect(await stored('b')).toMatchObject({ status: 'passed', traceId: 'e'.repeat(32) });
  });
});
