import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../setup/wait-for.js';
import {
  now,
  readCaseTimes,
  startTestDaemon,
  validateJunit,
  type TestDaemon,
} from './support/test-daemon.js';

/** Longer than the fixtures' testTimeout and hookTimeout (1 s): a pause must use up neither. */
const PAUSE_MS = 2500;

async function startsFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-starts-')), 'starts.jsonl');
}

describe('pause and resume between test cases', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon();
  });
  afterAll(() => trc?.close());

  for (const { project, pool } of [
    { project: 'slow', pool: 'forks' },
    { project: 'slow', pool: 'threads' },
    { project: 'concurrent', pool: 'forks' },
    { project: 'concurrent', pool: 'threads' },
  ]) {
    it(`starts no case after the pause answered, and resumes to a passing run (${project}, ${pool})`, async () => {
      const file = await startsFile();
      const run = await trc.createRun({
        project,
        env: { STARTS_FILE: file, FIXTURE_POOL: pool, CASE_DELAY_MS: '100' },
      });
      // With the slow fixture, wait until two test files run in parallel workers.
      await waitFor(
        async () => {
          const starts = await readCaseTimes(file);
          return (
            starts.length >= 3 &&
            (project !== 'slow' || new Set(starts.map((entry) => entry.name[0])).size >= 2)
          );
        },
        { message: 'cases to start' },
      );

      const paused = await trc.act(run.runId, 'pause');
      const answeredAt = now();
      expect(paused.status).toBe('PAUSED');
      expect(paused.pauseRequested).toBe(true);
      expect(paused.pid).toBeGreaterThan(0);

      await sleep(PAUSE_MS);
      const whilePaused = await trc.getRun(run.runId);
      expect(whilePaused.status).toBe('PAUSED');
      expect(whilePaused.counts.running).toBe(0);
      const times = await readCaseTimes(file);
      expect(times.filter((entry) => entry.kind === 'start' && entry.t > answeredAt)).toEqual([]);

      const resumedAt = now();
      const resumed = await trc.act(run.runId, 'resume');
      expect(resumed.status).toBe('RUNNING');
      const ended = await trc.waitForEnd(run.runId);
      expect(ended).toMatchObject({ status: 'COMPLETED', result: 'passed' });
      expect(ended.counts.failed).toBe(0);
      expect(ended.counts.passed).toBe(ended.counts.total);
      const firstAfter = (await readCaseTimes(file)).find(
        (entry) => entry.kind === 'start' && entry.t > answeredAt,
      );
      expect(firstAfter?.t).toBeGreaterThanOrEqual(resumedAt);
      expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
    });
  }

  it('answers 409 naming the status and the allowed actions for a transition that is not allowed', async () => {
    const run = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    await trc.waitForEnd(run.runId);
    for (const action of ['pause', 'resume', 'cancel']) {
      const answer = await trc.request('POST', `/api/v1/runs/${run.runId}/${action}`);
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('INVALID_TRANSITION');
      expect(answer.body.error.message).toContain('COMPLETED');
      expect(answer.body.error.details).toEqual({ status: 'COMPLETED', allowedActions: ['delete'] });
    }
    expect((await trc.getRun(run.runId)).status).toBe('COMPLETED');
  });
});

describe('a run paused before it started', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon({ env: { TRC_CONCURRENCY: '1' } });
  });
  afterAll(() => trc?.close());

  it('is not started by a free worker, goes back to PENDING on resume, and then runs', async () => {
    const first = await trc.createRun({
      project: 'slow',
      files: ['test/a.test.ts'],
      env: { CASE_DELAY_MS: '60' },
    });
    const second = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    expect(second.status).toBe('PENDING');
    const paused = await trc.act(second.runId, 'pause');
    expect(paused).toMatchObject({ status: 'PAUSED', startedAt: null });

    await trc.waitForEnd(first.runId);
    await sleep(500);
    expect(await trc.getRun(second.runId)).toMatchObject({ status: 'PAUSED', startedAt: null, pid: null });

    const resumed = await trc.act(second.runId, 'resume');
    expect(resumed.status).toBe('PENDING');
    expect(await trc.waitForEnd(second.runId)).toMatchObject({ status: 'COMPLETED', result: 'passed' });
  });

  it('can be cancelled, with a report that lists its files as skipped', async () => {
    const blocker = await trc.createRun({
      project: 'slow',
      files: ['test/b.test.ts'],
      env: { CASE_DELAY_MS: '60' },
    });
    const queued = await trc.createRun({
      project: 'basic',
      files: ['test/math.test.ts', 'test/fail.test.ts'],
    });
    const cancelled = await trc.act(queued.runId, 'cancel');
    expect(cancelled).toMatchObject({ status: 'CANCELLED', startedAt: null, reason: 'cancelled by request' });
    const tests = await trc.tests(queued.runId);
    expect(tests.map((test) => [test.file, test.status, test.skipReason])).toEqual([
      ['test/math.test.ts', 'skipped', 'cancelled'],
      ['test/fail.test.ts', 'skipped', 'cancelled'],
    ]);
    expect(validateJunit(path.join(trc.dirs.reports, queued.runId, 'junit.xml'))).toBeNull();
    await trc.waitForEnd(blocker.runId);
    await sleep(300);
    expect((await trc.getRun(queued.runId)).startedAt).toBeNull();
  });
});
