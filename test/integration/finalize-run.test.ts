import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { finalizeRun } from '../../src/runs/finalize-run.js';
import { RunPaths } from '../../src/runs/run-paths.js';
import { createKeys, type RedisKeys } from '../../src/store/keys.js';
import { RunStore } from '../../src/store/run-store.js';
import { deleteKeys } from '../setup/delete-keys.js';
import { buildRunRecord } from '../setup/run-record.js';

const RUN_ID = 'test_20240101_000000_0000beef';
const redis = new Redis(inject('redisUrl'));
let keys: RedisKeys;
let store: RunStore;
let root: string;
let paths: RunPaths;

beforeEach(async () => {
  keys = createKeys(`t${randomBytes(6).toString('hex')}`);
  store = new RunStore(redis, keys);
  root = await mkdtemp(path.join(os.tmpdir(), 'trc-finalize-'));
  paths = new RunPaths({
    reportsDir: path.join(root, 'reports'),
    logsDir: path.join(root, 'logs'),
    dataDir: path.join(root, 'data'),
  });
  await store.createRun(
    buildRunRecord({ runId: RUN_ID, status: 'RUNNING', startedAt: new Date().toISOString() }),
  );
});

afterEach(async () => {
  await deleteKeys(redis, keys.prefix);
  await rm(root, { recursive: true, force: true });
});

afterAll(async () => {
  await redis.quit();
});

describe('finalizeRun on what a killed child left in Redis', () => {
  it('settles the cases of its stored batches, writes the final records and drops the batches', async () => {
    await store.appendTestProgress(
      RUN_ID,
      [
        {
          collected: [
            {
              file: 'test/a.test.ts',
              cases: [
                ['a', 'a'],
                ['b', 'b'],
                ['c', 'c'],
              ],
            },
          ],
        },
      ],
      { 'c:total': 3 },
      { '["","test/a.test.ts"]': 'started' },
    );
    await store.appendTestProgress(
      RUN_ID,
      [{ passed: [['a', 2]], changes: [{ id: 'b', status: 'running' }] }],
      { 'c:passed': 1, 'c:running': 1 },
    );

    const ended = await finalizeRun(
      { store, paths, logger: pino({ level: 'silent' }), keepReports: 10 },
      RUN_ID,
      { exitCode: null, signal: 'SIGKILL', stoppedBy: null },
    );

    expect(ended).toMatchObject({
      status: 'FAILED',
      counts: { total: 3, passed: 1, failed: 1, skipped: 1, running: 0 },
    });
    const tests = await store.getTests(RUN_ID);
    expect(tests.map((test) => [test.id, test.file, test.status])).toEqual([
      ['a', 'test/a.test.ts', 'passed'],
      ['b', 'test/a.test.ts', 'failed'],
      ['c', 'test/a.test.ts', 'skipped'],
    ]);
    expect(tests[1]?.error?.message).toMatch(/SIGKILL/);
    expect(await redis.exists(keys.progress(RUN_ID))).toBe(0);
    const junit = await readFile(paths.junit(RUN_ID), 'utf8');
    expect(junit).toContain('tests="3"');
  });
});
