import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/runner/stop-process-tree.js';
import { waitFor } from '../setup/wait-for.js';
import { readCaseTimes, startTestDaemon, validateJunit, type TestDaemon } from './support/test-daemon.js';

describe('timeouts and crashes still leave a complete report', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon();
  });
  afterAll(() => trc?.close());

  it('stops a hanging run at timeoutMs: TIMED_OUT, the hung case failed, the rest skipped "timed out"', async () => {
    const run = await trc.createRun({
      project: 'hang',
      files: ['test/a-hang.test.ts', 'test/b-later.test.ts'],
      timeoutMs: 3000,
    });
    const running = await trc.waitForStatus(run.runId, ['RUNNING']);
    const ended = await trc.waitForEnd(run.runId, 30_000);
    expect(ended).toMatchObject({ status: 'TIMED_OUT', pid: null });
    expect(ended.reason).toContain('timed out after 3000 ms');
    const tests = await trc.tests(run.runId);
    const byName = Object.fromEntries(tests.map((test) => [test.name, test]));
    expect(byName['passes first']?.status).toBe('passed');
    expect(byName['hangs forever']).toMatchObject({ status: 'failed', error: { kind: 'error' } });
    expect(byName['hangs forever']?.error?.message).toContain('timed out');
    expect(byName['never reached']).toMatchObject({ status: 'skipped', skipReason: 'timed out' });
    expect(tests.find((test) => test.file === 'test/b-later.test.ts')).toMatchObject({
      status: 'skipped',
      skipReason: 'timed out',
    });
    expect(ended.counts.total).toBe(ended.counts.passed + ended.counts.failed + ended.counts.skipped);
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
    const log = await trc.request(
      'GET',
      `/api/v1/runs/${run.runId}/logs/${byName['hangs forever']?.traceId}`,
    );
    expect(log.body).toContain('about to hang');
    if (running.pid) {
      await waitFor(() => !isProcessAlive(running.pid as number), { message: 'the child to be gone' });
    }
  });

  it('fails a case whose afterEach hangs: it was still running, though its body had passed', async () => {
    const run = await trc.createRun({
      project: 'hang',
      files: ['test/c-teardown-hang.test.ts'],
      timeoutMs: 3000,
    });
    const ended = await trc.waitForEnd(run.runId, 30_000);
    expect(ended.status).toBe('TIMED_OUT');
    const byName = Object.fromEntries((await trc.tests(run.runId)).map((test) => [test.name, test]));
    expect(byName['passes, then its teardown hangs']).toMatchObject({
      status: 'failed',
      error: { kind: 'error' },
    });
    expect(byName['after the teardown that hangs']).toMatchObject({
      status: 'skipped',
      skipReason: 'timed out',
    });
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });

  it('does not count paused time against timeoutMs', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-starts-')), 'starts.jsonl');
    // Four files of ten 100 ms cases take about 5 s; with a 12 s budget, a 9 s pause must not time it out.
    const run = await trc.createRun({
      project: 'slow',
      timeoutMs: 12_000,
      env: { STARTS_FILE: file, CASE_DELAY_MS: '100' },
    });
    await waitFor(async () => (await readCaseTimes(file)).length >= 1, { message: 'a case to start' });
    await trc.act(run.runId, 'pause');
    await new Promise((resolve) => setTimeout(resolve, 9000));
    expect((await trc.getRun(run.runId)).status).toBe('PAUSED');
    await trc.act(run.runId, 'resume');
    expect(await trc.waitForEnd(run.runId, 30_000)).toMatchObject({ status: 'COMPLETED', result: 'passed' });
  });

  it('reports a child killed with SIGKILL as FAILED, with the case in flight failed and what ran kept', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-starts-')), 'starts.jsonl');
    const run = await trc.createRun({ project: 'slow', env: { STARTS_FILE: file, CASE_DELAY_MS: '300' } });
    await waitFor(
      async () => (await readCaseTimes(file)).filter((entry) => entry.kind === 'end').length >= 2,
      {
        message: 'two cases to finish',
      },
    );
    // Kill once trc has the two passes and knows a case is in flight (a worker reports a case
    // within milliseconds of its start; a pass reaches trc up to Vitest's 100 ms throttle later).
    const running = await waitFor(
      async () => {
        const current = await trc.getRun(run.runId);
        return current.counts.passed >= 2 && current.counts.running >= 1 ? current : undefined;
      },
      { message: 'a case in flight', intervalMs: 5 },
    );
    expect(running.pid).toBeGreaterThan(0);
    process.kill(running.pid as number, 'SIGKILL');
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('FAILED');
    expect(ended.reason).toContain('SIGKILL');
    const tests = await trc.tests(run.runId);
    expect(tests.filter((test) => test.status === 'passed').length).toBeGreaterThanOrEqual(2);
    const inFlight = tests.filter((test) => test.error?.kind === 'error');
    expect(inFlight.length).toBeGreaterThanOrEqual(1);
    expect(inFlight[0]?.error?.message).toContain('killed by SIGKILL');
    expect(ended.counts.total).toBe(ended.counts.passed + ended.counts.failed + ended.counts.skipped);
    const xmlFile = path.join(trc.dirs.reports, run.runId, 'junit.xml');
    expect(validateJunit(xmlFile)).toBeNull();
    const report = await trc.request('GET', `/api/v1/runs/${run.runId}/report`);
    expect(report.status).toBe(200);
  });
});
