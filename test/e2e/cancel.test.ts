import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../setup/wait-for.js';
import { expectCancelAtSetupToLeaveFileUnloaded } from './support/cancel-at-setup.js';
import {
  now,
  readCaseTimes,
  startTestDaemon,
  validateJunit,
  type TestDaemon,
} from './support/test-daemon.js';

describe('cancel', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon();
  });
  afterAll(() => trc?.close());

  for (const pool of ['forks', 'threads']) {
    it(`lets the case in flight finish and reports every other case and file as skipped (${pool})`, async () => {
      const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-starts-')), 'starts.jsonl');
      const run = await trc.createRun({
        project: 'slow',
        env: { STARTS_FILE: file, FIXTURE_POOL: pool, CASE_DELAY_MS: '200' },
      });
      await waitFor(async () => (await readCaseTimes(file)).length >= 2, { message: 'cases to start' });

      const answer = await trc.request('POST', `/api/v1/runs/${run.runId}/cancel`);
      const cancelledAt = now();
      expect(answer.status).toBe(202);
      expect(answer.body.run.cancelRequested).toBe(true);
      const ended = await trc.waitForEnd(run.runId);
      expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by request', pid: null });

      const times = await readCaseTimes(file);
      expect(times.filter((entry) => entry.kind === 'start' && entry.t > cancelledAt)).toEqual([]);
      const started = new Set(times.filter((entry) => entry.kind === 'start').map((entry) => entry.name));
      const finished = new Set(times.filter((entry) => entry.kind === 'end').map((entry) => entry.name));
      expect(finished).toEqual(started);

      const tests = await trc.tests(run.runId);
      const { counts } = ended;
      expect(counts.total).toBe(counts.passed + counts.failed + counts.skipped);
      expect(counts.total).toBe(tests.length);
      expect(counts.passed).toBe(started.size);
      expect(counts.failed).toBe(0);
      for (const test of tests.filter((entry) => entry.status === 'skipped')) {
        expect(test.skipReason).toBe('cancelled');
        expect(test.traceId).toMatch(/^[0-9a-f]{32}$/);
      }
      // Files Vitest never started are still listed, one placeholder each.
      const filesWithCases = new Set(tests.filter((test) => !test.placeholder).map((test) => test.file));
      const placeholders = tests.filter((test) => test.placeholder).map((test) => test.file);
      expect([...filesWithCases, ...placeholders].sort()).toEqual([
        'test/a.test.ts',
        'test/b.test.ts',
        'test/c.test.ts',
        'test/d.test.ts',
      ]);
      expect(placeholders.length).toBeGreaterThan(0);
      expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
    });
  }

  for (const pool of ['forks', 'threads']) {
    it(`does not load a test file whose worker was still setting up when the cancel landed (${pool})`, async () => {
      await expectCancelAtSetupToLeaveFileUnloaded(trc, {
        project: 'setup-gate',
        env: { FIXTURE_POOL: pool },
      });
    });
  }

  it('wakes a paused run and ends it CANCELLED', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-starts-')), 'starts.jsonl');
    const run = await trc.createRun({ project: 'slow', env: { STARTS_FILE: file, CASE_DELAY_MS: '100' } });
    await waitFor(async () => (await readCaseTimes(file)).length >= 2, { message: 'cases to start' });
    await trc.act(run.runId, 'pause');
    await trc.act(run.runId, 'cancel');
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('CANCELLED');
    expect(ended.counts.skipped).toBeGreaterThan(0);
    expect(ended.counts.total).toBe(ended.counts.passed + ended.counts.failed + ended.counts.skipped);
  });

  it('on a suite of many files, lists every file that never started as one skipped placeholder', async () => {
    const run = await trc.createRun({ project: 'many-files', env: { CASE_DELAY_MS: '150' } });
    await waitFor(async () => (await trc.getRun(run.runId)).counts.passed >= 3, { message: 'cases to pass' });
    await trc.act(run.runId, 'cancel');
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('CANCELLED');
    const tests = await trc.tests(run.runId);
    const files = new Set(tests.map((test) => test.file));
    expect(files.size).toBe(16);
    const placeholders = tests.filter((test) => test.placeholder);
    expect(placeholders.length).toBeGreaterThanOrEqual(10);
    for (const placeholder of placeholders) {
      expect(placeholder).toMatchObject({ status: 'skipped', skipReason: 'cancelled' });
    }
    expect(ended.counts.total).toBe(ended.counts.passed + ended.counts.failed + ended.counts.skipped);
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });

  it('on a suite of many files run to the end, reports every case', async () => {
    const run = await trc.createRun({ project: 'many-files' });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    expect(ended.counts).toEqual({ total: 80, passed: 80, failed: 0, skipped: 0, running: 0 });
  });
});
