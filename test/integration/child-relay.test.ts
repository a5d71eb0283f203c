import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ChildRelay } from '../../src/runs/child-relay.js';
import type { ChildMessage, DaemonMessage } from '../../src/runner/env-contract.js';
import type { TestBatch } from '../../src/runs/test-batch.js';
import { decodeCounts } from '../../src/store/run-codec.js';
import { createKeys, type RedisKeys } from '../../src/store/keys.js';
import { RunStore } from '../../src/store/run-store.js';
import { deleteKeys } from '../setup/delete-keys.js';
import { buildRunRecord } from '../setup/run-record.js';
import { waitFor } from '../setup/wait-for.js';

const RUN_ID = 'test_20240101_000000_0000feed';
const redis = new Redis(inject('redisUrl'));
const subscriber = new Redis(inject('redisUrl'));
let keys: RedisKeys;
let store: RunStore;
let sent: DaemonMessage[];
let relay: ChildRelay;

beforeEach(async () => {
  keys = createKeys(`t${randomBytes(6).toString('hex')}`);
  store = new RunStore(redis, keys);
  await store.createRun(
    buildRunRecord({ runId: RUN_ID, status: 'RUNNING', startedAt: new Date().toISOString() }),
  );
  sent = [];
  relay = new ChildRelay({
    store,
    runId: RUN_ID,
    logger: pino({ level: 'silent' }),
    send: (message) => sent.push(message),
  });
});

afterEach(async () => {
  await relay.close();
  await deleteKeys(redis, keys.prefix);
});

afterAll(async () => {
  await Promise.all([redis.quit(), subscriber.quit()]);
});

/** How many test records Redis has as each acknowledgement of the run is published. */
async function watchAcks(): Promise<{ stored: number[]; stop: () => Promise<void> }> {
  await subscriber.subscribe(keys.ack(RUN_ID));
  const stored: number[] = [];
  const onMessage = (): void => {
    void store.getTests(RUN_ID).then((tests) => stored.push(tests.length));
  };
  subscriber.on('message', onMessage);
  return {
    stored,
    stop: async () => {
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe();
    },
  };
}

describe('ChildRelay: control', () => {
  it('answers hello with the flags Redis has, and relays later messages after them, in order', async () => {
    relay.relay({ type: 'resume', nonce: 'before-hello' });
    await store.transition(RUN_ID, { from: '*', set: { pauseRequested: true } });
    relay.receive({ t: 'hello' });
    relay.relay({ type: 'resume', nonce: 'r1' });
    relay.relay({ type: 'cancel', reason: 'cancelled', nonce: 'c1' });
    await waitFor(() => sent.length === 3, { message: 'flags and two relayed messages' });
    expect(sent).toEqual([
      { t: 'flags', flags: { paused: true, cancelled: false, reason: 'cancelled' } },
      { t: 'control', message: { type: 'resume', nonce: 'r1' } },
      { t: 'control', message: { type: 'cancel', reason: 'cancelled', nonce: 'c1' } },
    ]);
  });

  it('reads a stop for timeout as a cancel with that reason', async () => {
    await store.transition(RUN_ID, { from: '*', set: { stopReason: 'timed out' } });
    relay.receive({ t: 'hello' });
    await waitFor(() => sent.length === 1, { message: 'flags' });
    expect(sent[0]).toEqual({ t: 'flags', flags: { paused: false, cancelled: true, reason: 'timed out' } });
  });

  it('marks the run ready for acknowledged control once the child says so', async () => {
    relay.receive({ t: 'hello' });
    relay.receive({ t: 'ready' });
    await relay.close();
    const outcome = await store.transition(RUN_ID, { from: '*' });
    expect(outcome).toMatchObject({ kind: 'applied', controlReady: true });
  });
});

describe('ChildRelay: what the child reports', () => {
  it('publishes an acknowledgement only after the records sent before it are in Redis', async () => {
    const acks: Array<{ nonce: string; stored: number }> = [];
    await subscriber.subscribe(keys.ack(RUN_ID));
    subscriber.on('message', (_channel: string, nonce: string) => {
      void store.getTests(RUN_ID).then((tests) => acks.push({ nonce, stored: tests.length }));
    });
    const changes = Array.from({ length: 500 }, (_, i) => ({
      id: `case-${i}`,
      file: 'a.test.ts',
      name: `case ${i}`,
      fullName: `a > case ${i}`,
    }));
    relay.receive({ t: 'tests', changes });
    relay.receive({ t: 'ack', nonce: 'n1' });
    await waitFor(() => acks.length === 1, { message: 'the acknowledgement' });
    expect(acks).toEqual([{ nonce: 'n1', stored: 500 }]);
    await subscriber.unsubscribe();
  });

  it('writes a just-collected case at once, and before any acknowledgement', async () => {
    relay.receive({ t: 'tests', changes: [{ id: 'a', name: 'a' }] });
    await waitFor(async () => (await store.getTests(RUN_ID)).length === 1, { message: 'the pending case' });
    expect((await store.getTests(RUN_ID))[0]).toMatchObject({ id: 'a', status: 'pending' });

    await subscriber.subscribe(keys.ack(RUN_ID));
    const stored: string[][] = [];
    subscriber.on('message', () => {
      void store.getTests(RUN_ID).then((tests) => stored.push(tests.map((test) => test.id)));
    });
    relay.receive({ t: 'tests', changes: [{ id: 'b', name: 'b' }] });
    relay.receive({ t: 'ack', nonce: 'n2' });
    await waitFor(() => stored.length === 1, { message: 'the acknowledgement' });
    expect(stored[0]).toEqual(['a', 'b']);
    await subscriber.unsubscribe();
  });

  it('writes news that comes within the interval together, in order, without waiting for anything else', async () => {
    const monitor = await redis.monitor();
    const pushes: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'rpush' && args[1] === keys.progress(RUN_ID)) {
        pushes.push(args.slice(2));
      }
    });
    try {
      relay.receive({
        t: 'tests',
        collected: [
          {
            file: 'a.test.ts',
            cases: [
              ['a', 'a'],
              ['b', 'b'],
              ['c', 'c'],
            ],
          },
        ],
      });
      relay.receive({ t: 'tests', passed: [['a', 1]], files: { '["","a.test.ts"]': 'started' } });
      relay.receive({ t: 'tests', changes: [{ id: 'b', status: 'running' }] });
      relay.receive({ t: 'tests', passed: [['b', 2]] });
      // No ack, no close: the news that waited is written once the interval has passed.
      await waitFor(
        async () => (await store.getTests(RUN_ID)).filter((test) => test.status === 'passed').length === 2,
        {
          message: 'the news that waited',
        },
      );
      expect(pushes.map((values) => values.length)).toEqual([1, 3]);
      expect((await store.getTests(RUN_ID)).map((test) => [test.id, test.status])).toEqual([
        ['a', 'passed'],
        ['b', 'passed'],
        ['c', 'pending'],
      ]);
      expect(decodeCounts(await redis.hgetall(keys.run(RUN_ID)))).toEqual({
        total: 3,
        passed: 2,
        failed: 0,
        skipped: 0,
        running: 0,
      });
      expect(await store.getFiles(RUN_ID)).toEqual({ '["","a.test.ts"]': 'started' });
    } finally {
      monitor.disconnect();
    }
  });

  it('keeps counters exact and gives collected cases a trace id until their worker gives one', async () => {
    relay.receive({
      t: 'tests',
      changes: [
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
      ],
    });
    relay.receive({ t: 'tests', changes: [{ id: 'a', status: 'running', traceId: 'a'.repeat(32) }] });
    relay.receive({
      t: 'tests',
      changes: [
        { id: 'a', status: 'passed', durationMs: 3 },
        { id: 'b', status: 'skipped', skipReason: 'cancelled' },
      ],
    });
    await relay.close();
    const counts = decodeCounts(await redis.hgetall(keys.run(RUN_ID)));
    expect(counts).toEqual({ total: 2, passed: 1, failed: 0, skipped: 1, running: 0 });
    const tests = await store.getTests(RUN_ID);
    expect(tests.map((test) => [test.id, test.status])).toEqual([
      ['a', 'passed'],
      ['b', 'skipped'],
    ]);
    expect(tests[0]?.traceId).toBe('a'.repeat(32));
    expect(tests[1]?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('records how Vitest ended, its errors, and an error that kept it from running', async () => {
    relay.receive({ t: 'tests', files: { '["","a.test.ts"]': 'planned', '["","b.test.ts"]': 'planned' } });
    relay.receive({ t: 'tests', files: { '["","a.test.ts"]': 'started' } });
    relay.receive({
      t: 'end',
      reason: 'failed',
      errors: [{ message: 'Unhandled rejection', kind: 'failure' }],
    });
    relay.receive({ t: 'startup-error', message: 'No test files found' });
    await relay.close();
    expect(await store.getFiles(RUN_ID)).toEqual({
      '["","a.test.ts"]': 'started',
      '["","b.test.ts"]': 'planned',
    });
    expect(await store.getInternal(RUN_ID)).toMatchObject({
      childFinished: 'failed',
      childError: 'No test files found',
      childErrors: [{ message: 'Unhandled rejection', kind: 'failure' }],
    });
  });
});

describe('ChildRelay: a write that fails', () => {
  /** The relay's own connection: a real client, closed and opened again by the tests. */
  let own: Redis;
  let flakyRelay: ChildRelay;
  const logged: string[] = [];
  const failures = () => logged.filter((line) => line.includes('could not record')).length;

  beforeEach(() => {
    own = new Redis(inject('redisUrl'));
    logged.length = 0;
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(line) });
    flakyRelay = new ChildRelay({
      store: new RunStore(own, keys),
      runId: RUN_ID,
      logger,
      send: () => undefined,
    });
  });

  afterEach(async () => {
    await flakyRelay.close();
    own.disconnect();
  });

  const collected = (ids: string[]): ChildMessage => ({
    t: 'tests',
    collected: [{ file: 'a.test.ts', cases: ids.map((id): [string, string] => [id, id]) }],
  });

  it('loses nothing: the next write stores the whole report, as an unbroken relay would have', async () => {
    const messages: ChildMessage[] = [
      { ...collected(['a', 'b', 'c']), files: { '["","a.test.ts"]': 'started' } },
      { t: 'tests', passed: [['a', 4]], changes: [{ id: 'b', status: 'running', traceId: 'b'.repeat(32) }] },
      { t: 'end', reason: 'failed' },
      {
        t: 'tests',
        changes: [{ id: 'b', status: 'failed', durationMs: 7, error: { message: 'boom', kind: 'failure' } }],
        files: { '["","b.test.ts"]': 'planned' },
      },
    ];
    flakyRelay.receive(messages[0] as ChildMessage);
    await waitFor(async () => (await store.getTests(RUN_ID)).length === 3, { message: 'the first batch' });
    own.disconnect();
    flakyRelay.receive(messages[1] as ChildMessage);
    flakyRelay.receive(messages[2] as ChildMessage);
    await waitFor(() => failures() === 2, { message: 'the failed writes' });
    expect((await store.getTests(RUN_ID)).map((test) => test.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    await own.connect();
    flakyRelay.receive(messages[3] as ChildMessage);
    await flakyRelay.close();

    // The same messages through a relay whose writes never failed, under other keys.
    const otherKeys = createKeys(`${keys.prefix}-unbroken`);
    const unbroken = new RunStore(redis, otherKeys);
    await unbroken.createRun(buildRunRecord({ runId: RUN_ID, status: 'RUNNING' }));
    const reference = new ChildRelay({
      store: unbroken,
      runId: RUN_ID,
      logger: pino({ level: 'silent' }),
      send: () => undefined,
    });
    messages.forEach((message) => reference.receive(message));
    await reference.close();

    const tests = await store.getTests(RUN_ID);
    expect(tests).toEqual(await unbroken.getTests(RUN_ID));
    expect(tests.map((test) => [test.id, test.status, test.durationMs])).toEqual([
      ['a', 'passed', 4],
      ['b', 'failed', 7],
      ['c', 'pending', null],
    ]);
    expect(decodeCounts(await redis.hgetall(keys.run(RUN_ID)))).toEqual({
      total: 3,
      passed: 1,
      failed: 1,
      skipped: 0,
      running: 0,
    });
    expect(decodeCounts(await redis.hgetall(otherKeys.run(RUN_ID)))).toEqual(
      decodeCounts(await redis.hgetall(keys.run(RUN_ID))),
    );
    expect(await store.getFiles(RUN_ID)).toEqual(await unbroken.getFiles(RUN_ID));
    expect(await store.getFiles(RUN_ID)).toEqual({
      '["","a.test.ts"]': 'started',
      '["","b.test.ts"]': 'planned',
    });
    expect(await store.getInternal(RUN_ID)).toMatchObject({ childFinished: 'failed' });
    // One batch of every record, the last batch's news included, replaced the ones before it.
    expect(await redis.llen(keys.progress(RUN_ID))).toBe(1);
    await deleteKeys(redis, otherKeys.prefix);
  });

  it('stores what a failed write lost when the child has exited, once Redis answers again', async () => {
    own.disconnect();
    flakyRelay.receive(collected(['a', 'b']));
    flakyRelay.receive({ t: 'tests', passed: [['a', 1]] });
    await waitFor(() => failures() === 2, { message: 'two failed writes' });
    const closing = flakyRelay.close();
    // close tries at once, fails, and tries again a moment later.
    await waitFor(() => failures() === 3, { message: 'the first attempt of close' });
    await own.connect();
    await closing;
    expect((await store.getTests(RUN_ID)).map((test) => [test.id, test.status])).toEqual([
      ['a', 'passed'],
      ['b', 'pending'],
    ]);
    expect(decodeCounts(await redis.hgetall(keys.run(RUN_ID)))).toMatchObject({ total: 2, passed: 1 });
    expect(logged.some((line) => line.includes('stored the whole'))).toBe(true);
  });

  it('publishes an acknowledgement after a failed write only once the whole report is stored', async () => {
    const acks = await watchAcks();
    try {
      own.disconnect();
      flakyRelay.receive(collected(['a', 'b']));
      await waitFor(() => failures() === 1, { message: 'the failed write' });
      await own.connect();
      flakyRelay.receive({ t: 'ack', nonce: 'n1' });
      await waitFor(() => acks.stored.length === 1, { message: 'the acknowledgement' });
      expect(acks.stored).toEqual([2]);
    } finally {
      await acks.stop();
    }
  });
});

describe('ChildRelay: the progress file', () => {
  let dir: string;
  let file: string;
  let fileRelay: ChildRelay;
  const logged: string[] = [];
  const append = (...batches: TestBatch[]): void =>
    appendFileSync(file, batches.map((batch) => `${JSON.stringify(batch)}\n`).join(''));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'trc-progress-'));
    file = path.join(dir, 'progress.jsonl');
    logged.length = 0;
    fileRelay = new ChildRelay({
      store,
      runId: RUN_ID,
      logger: pino({ level: 'info' }, { write: (line: string) => logged.push(line) }),
      send: () => undefined,
      progressFile: file,
    });
  });

  afterEach(async () => {
    await fileRelay.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores what the child appends as it goes, with exact counters, before the file exists and after', async () => {
    // Nothing to read yet: the child has not written its first batch.
    await new Promise((resolve) => setTimeout(resolve, 300));
    append(
      {
        collected: [
          {
            file: 'a.test.ts',
            cases: [
              ['a', 'a'],
              ['b', 'b'],
            ],
          },
        ],
        files: { '["","a.test.ts"]': 'started' },
      },
      { passed: [['a', 3]] },
    );
    await waitFor(async () => (await store.getTests(RUN_ID)).some((test) => test.status === 'passed'), {
      message: 'the first batches',
    });
    append({ changes: [{ id: 'b', status: 'running', traceId: 'b'.repeat(32) }] });
    await waitFor(async () => decodeCounts(await redis.hgetall(keys.run(RUN_ID))).running === 1, {
      message: 'the case in flight',
    });
    expect((await store.getTests(RUN_ID)).map((test) => [test.id, test.status])).toEqual([
      ['a', 'passed'],
      ['b', 'running'],
    ]);
    expect(decodeCounts(await redis.hgetall(keys.run(RUN_ID)))).toEqual({
      total: 2,
      passed: 1,
      failed: 0,
      skipped: 0,
      running: 1,
    });
    expect(await store.getFiles(RUN_ID)).toEqual({ '["","a.test.ts"]': 'started' });
  });

  it('takes what the child wrote before a message first: its acknowledgement follows every record', async () => {
    const acks = await watchAcks();
    try {
      append({
        changes: Array.from({ length: 300 }, (_, i) => ({ id: `case-${i}`, name: `case ${i}` })),
      });
      fileRelay.receive({ t: 'ack', nonce: 'n1' });
      await waitFor(() => acks.stored.length === 1, { message: 'the acknowledgement' });
      expect(acks.stored).toEqual([300]);
    } finally {
      await acks.stop();
    }
  });

  it('keeps the order of the file and of batches sent over the channel where the file could not be written', async () => {
    append({ changes: [{ id: 'first', name: 'first' }] });
    fileRelay.receive({ t: 'tests', changes: [{ id: 'second', name: 'second' }] });
    await fileRelay.close();
    expect((await store.getTests(RUN_ID)).map((test) => test.id)).toEqual(['first', 'second']);
  });

  it('stores what a child killed just after writing left, when it closes; a line cut short is not read, bad ones are skipped', async () => {
    append({
      collected: [
        {
          file: 'a.test.ts',
          cases: [
            ['a', 'a'],
            ['b', 'b'],
            ['c', 'c'],
          ],
        },
      ],
    });
    appendFileSync(file, '{"passed":[["a",1]]\n');
    // JSON, but not a batch.
    appendFileSync(file, 'null\n{"passed":[null]}\n{"collected":5}\n');
    append({ passed: [['b', 2]] });
    appendFileSync(file, '{"passed":[["c",3]');
    await fileRelay.close();
    expect((await store.getTests(RUN_ID)).map((test) => [test.id, test.status])).toEqual([
      ['a', 'pending'],
      ['b', 'passed'],
      ['c', 'pending'],
    ]);
    expect(decodeCounts(await redis.hgetall(keys.run(RUN_ID)))).toMatchObject({ total: 3, passed: 1 });
    expect(logged.filter((line) => line.includes('skipped a line'))).toHaveLength(4);
  });
});
