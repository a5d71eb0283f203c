import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { isProcessAlive } from '../../src/runner/stop-process-tree.js';
import { RunExecutor } from '../../src/runs/run-executor.js';
import { RunPaths } from '../../src/runs/run-paths.js';
import { ControlBus } from '../../src/store/control-bus.js';
import { createKeys, type RedisKeys } from '../../src/store/keys.js';
import { RunStore, type TransitionSpec } from '../../src/store/run-store.js';
import { deleteKeys } from '../setup/delete-keys.js';
import { buildRunRecord } from '../setup/run-record.js';

const RUN_ID = 'test_20240101_000000_0000cafe';
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/slow');
const LAUNCHER = path.resolve(import.meta.dirname, '../../dist/runner-plugin/launcher.js');
const redis = new Redis(inject('redisUrl'));
let keys: RedisKeys;
let root: string;
let bus: ControlBus;

/** A real store whose write of the child's pid fails, as when Redis goes away just after the spawn. */
class StoreFailingAfterSpawn extends RunStore {
  spawnedPid: number | null = null;

  override async transition(runId: string, spec: TransitionSpec): ReturnType<RunStore['transition']> {
    if (spec.set?.pid) {
      this.spawnedPid = spec.set.pid;
      throw new Error('Redis went away (injected)');
    }
    return super.transition(runId, spec);
  }
}

beforeEach(async () => {
  keys = createKeys(`t${randomBytes(6).toString('hex')}`);
  root = await mkdtemp(path.join(os.tmpdir(), 'trc-executor-'));
  // The bus closes its subscriber connection.
  bus = new ControlBus(new Redis(inject('redisUrl')), keys);
  await bus.start();
});

afterEach(async () => {
  await bus.close();
  await deleteKeys(redis, keys.prefix);
  await rm(root, { recursive: true, force: true });
});

afterAll(async () => {
  await redis.quit();
});

describe('RunExecutor when the run fails after its child started', () => {
  it('stops the child before it fails the run, so nothing the child reports lands after the final records', async () => {
    const store = new StoreFailingAfterSpawn(redis, keys);
    await store.createRun(buildRunRecord({ runId: RUN_ID }));
    const executor = new RunExecutor({
      store,
      paths: new RunPaths({
        reportsDir: path.join(root, 'reports'),
        logsDir: path.join(root, 'logs'),
        dataDir: path.join(root, 'data'),
      }),
      logger: pino({ level: 'silent' }),
      keepReports: 7,
      bus,
      projects: new Map([['default', FIXTURE]]),
      nodePath: process.execPath,
      launcherPath: LAUNCHER,
      platform: process.platform,
      killGraceMs: 2000,
      owner: 'test',
    });

    await executor.execute(RUN_ID);

    const run = await store.getRun(RUN_ID);
    expect(run).toMatchObject({ status: 'FAILED' });
    expect(run?.reason).toContain('Redis went away (injected)');
    // The slow fixture runs for seconds: a child left running would still be there, reporting.
    expect(store.spawnedPid).toBeGreaterThan(0);
    expect(isProcessAlive(store.spawnedPid as number)).toBe(false);
    expect(await redis.exists(keys.progress(RUN_ID))).toBe(0);
  });
});
