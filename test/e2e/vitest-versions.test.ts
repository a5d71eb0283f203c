import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkNodeForVitest } from '../../src/runner/vitest-support.js';
import { isProcessAlive } from '../../src/runner/stop-process-tree.js';
import { waitFor } from '../setup/wait-for.js';
import { expectCancelAtSetupToLeaveFileUnloaded } from './support/cancel-at-setup.js';
import {
  FIXTURES,
  now,
  readCaseTimes,
  startTestDaemon,
  validateJunit,
  type ApiRun,
  type TestDaemon,
} from './support/test-daemon.js';

/** One fixture per supported Vitest line, each with its own node_modules (test/setup/fixture-deps.ts). */
const VERSIONS = [
  { project: 'vitest-3.2', version: '3.2.7' },
  { project: 'vitest-4.0', version: '4.0.9' },
  { project: 'vitest-4.1', version: '4.1.12' },
  { project: 'vitest-5', version: '5.1.1' },
] as const;

/** The three slow files hold 8 cases each; with two workers the third file starts last. */
const SLOW_FILES = ['test/slow-*.test.ts'];
const SLOW_CASES = 24;
/** Longer than the fixtures' testTimeout and hookTimeout (1 s): a pause must use up neither. */
const PAUSE_MS = 1500;

async function startsFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-starts-')), 'starts.jsonl');
}

function expectCountsAddUp(run: ApiRun): void {
  expect(run.counts.total).toBe(run.counts.passed + run.counts.failed + run.counts.skipped);
}

describe.each(VERSIONS)('Vitest $version ($project)', ({ project, version }) => {
  let trc: TestDaemon;
  beforeAll(async () => {
    // Vitest 5 needs node ≥ 22.12: its fixture runs on the node 22 the global setup installed.
    trc = await startTestDaemon({
      env: { TRC_PROJECT_NODE: `vitest-5=${inject('node22Path')}` },
    });
  });
  afterAll(() => trc?.close());

  it('runs pass, fail, skip and todo with its own Vitest; per-case logs by trace id; JUnit validates', async () => {
    const run = await trc.createRun({ project, files: ['test/mixed.test.ts'] });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'failed' });
    expect(ended.counts).toMatchObject({ total: 5, passed: 2, failed: 1, skipped: 2, running: 0 });
    expect(ended.notes.join('\n')).not.toContain("trc's Vitest");
    const runLog = await trc.request('GET', `/api/v1/runs/${run.runId}/logs/run`);
    expect(runLog.body).toContain(`v${version}`);

    const tests = await trc.tests(run.runId);
    const byName = Object.fromEntries(tests.map((test) => [test.name, test]));
    expect(byName['passes']).toMatchObject({
      status: 'passed',
      fullName: 'mixed > passes',
      file: 'test/mixed.test.ts',
    });
    expect(byName['is skipped']).toMatchObject({ status: 'skipped', skipReason: 'skip' });
    expect(byName['is todo']).toMatchObject({ status: 'skipped', skipReason: 'todo' });
    expect(byName['fails']?.error?.message).toContain('expected 2 to be 3');
    for (const test of tests) {
      expect(test.traceId).toMatch(/\S/);
    }
    const passLog = await trc.request('GET', `/api/v1/runs/${run.runId}/logs/${byName['passes']?.traceId}`);
    // The trace id test code reads in `task.meta.traceId` is the one trc lists and names the log by.
    expect(passLog.body).toContain(`mixed passes running, trace ${byName['passes']?.traceId}`);
    const failLog = await trc.request('GET', `/api/v1/runs/${run.runId}/logs/${byName['fails']?.traceId}`);
    expect(failLog.body).toContain('mixed fails running');

    const junitFile = path.join(trc.dirs.reports, run.runId, 'junit.xml');
    expect(validateJunit(junitFile)).toBeNull();
    const junit = await readFile(junitFile, 'utf8');
    expect(junit).toContain('<failure');
    expect(junit).toContain('<skipped');
    expect((await trc.request('GET', `/api/v1/runs/${run.runId}/report`)).status).toBe(200);
  });

  it('starts no case after the pause answered, and resumes to a passing run', async () => {
    const file = await startsFile();
    const run = await trc.createRun({
      project,
      files: SLOW_FILES,
      env: { STARTS_FILE: file, CASE_DELAY_MS: '100' },
    });
    await waitFor(async () => (await readCaseTimes(file)).length >= 3, { message: 'cases to start' });
    const paused = await trc.act(run.runId, 'pause');
    const answeredAt = now();
    expect(paused.status).toBe('PAUSED');

    await sleep(PAUSE_MS);
    const whilePaused = await trc.getRun(run.runId);
    expect(whilePaused.status).toBe('PAUSED');
    expect(whilePaused.counts.running).toBe(0);
    const times = await readCaseTimes(file);
    expect(times.filter((entry) => entry.kind === 'start' && entry.t > answeredAt)).toEqual([]);

    const resumedAt = now();
    expect((await trc.act(run.runId, 'resume')).status).toBe('RUNNING');
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    expect(ended.counts).toMatchObject({ total: SLOW_CASES, passed: SLOW_CASES });
    const firstAfter = (await readCaseTimes(file)).find(
      (entry) => entry.kind === 'start' && entry.t > answeredAt,
    );
    expect(firstAfter?.t).toBeGreaterThanOrEqual(resumedAt);
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });

  it('cancels: cases in flight finish, every unrun case and file is skipped "cancelled"', async () => {
    const file = await startsFile();
    const run = await trc.createRun({
      project,
      files: SLOW_FILES,
      env: { STARTS_FILE: file, CASE_DELAY_MS: '150' },
    });
    await waitFor(async () => (await readCaseTimes(file)).length >= 2, { message: 'cases to start' });
    const answer = await trc.request('POST', `/api/v1/runs/${run.runId}/cancel`);
    const cancelledAt = now();
    expect(answer.status).toBe(202);
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by request', pid: null });
    expectCountsAddUp(ended);
    const times = await readCaseTimes(file);
    expect(times.filter((entry) => entry.kind === 'start' && entry.t > cancelledAt)).toEqual([]);

    const tests = await trc.tests(run.runId);
    expect(tests.filter((test) => test.status === 'passed').length).toBeGreaterThanOrEqual(1);
    for (const test of tests.filter((entry) => entry.status === 'skipped')) {
      expect(test.skipReason).toBe('cancelled');
    }
    const files = new Set(tests.map((test) => test.file));
    expect([...files].sort()).toEqual(['test/slow-a.test.ts', 'test/slow-b.test.ts', 'test/slow-c.test.ts']);
    // Two workers, three files: the file Vitest had not started is listed, all of it skipped.
    const neverStarted = [...files].filter((name) =>
      tests.filter((test) => test.file === name).every((test) => test.status === 'skipped'),
    );
    expect(neverStarted.length).toBeGreaterThanOrEqual(1);
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });

  it('leaves a test file unloaded when the cancel lands while its worker runs setup files', async () => {
    await expectCancelAtSetupToLeaveFileUnloaded(trc, { project, files: ['test/loaded.test.ts'] });
  });

  it('runs every Vitest project (inline and from its own config file) and filters by vitestProject', async () => {
    const all = await trc.createRun({ project, env: { CASE_DELAY_MS: '1' } });
    const allEnded = await trc.waitForEnd(all.runId);
    expect(allEnded).toMatchObject({ status: 'COMPLETED', result: 'failed' });
    expect(allEnded.counts).toMatchObject({ total: 5 + SLOW_CASES + 1 + 1, failed: 1 });
    const projects = new Set((await trc.tests(all.runId)).map((test) => test.project));
    expect([...projects].sort()).toEqual(['extra', 'main']);

    const extra = await trc.createRun({ project, vitestProject: 'extra' });
    const extraEnded = await trc.waitForEnd(extra.runId);
    expect(extraEnded).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    expect(extraEnded.counts).toMatchObject({ total: 1, passed: 1 });
    const [only] = await trc.tests(extra.runId);
    expect(only).toMatchObject({ project: 'extra', name: 'runs in the extra project' });
    const log = await trc.request('GET', `/api/v1/runs/${extra.runId}/logs/${only?.traceId}`);
    expect(log.body).toContain('extra project case running');
    expect(validateJunit(path.join(trc.dirs.reports, extra.runId, 'junit.xml'))).toBeNull();
  });

  it('stops at timeoutMs: TIMED_OUT, unrun cases skipped "timed out", JUnit validates', async () => {
    const file = await startsFile();
    const run = await trc.createRun({
      project,
      files: SLOW_FILES,
      timeoutMs: 1500,
      env: { STARTS_FILE: file, CASE_DELAY_MS: '200' },
    });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('TIMED_OUT');
    expectCountsAddUp(ended);
    const skipped = (await trc.tests(run.runId)).filter((test) => test.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const test of skipped) {
      expect(test.skipReason).toBe('timed out');
    }
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });

  it('reports a child killed with SIGKILL as FAILED, the case in flight failed and what ran kept', async () => {
    const file = await startsFile();
    const run = await trc.createRun({
      project,
      files: SLOW_FILES,
      env: { STARTS_FILE: file, CASE_DELAY_MS: '300' },
    });
    // Killed once two results reached trc (Vitest sends them from the workers every 100 ms) and
    // trc knows a case is in flight (a worker names it within milliseconds of its start).
    const running = await waitFor(
      async () => {
        const current = await trc.getRun(run.runId);
        return current.counts.passed >= 2 && current.counts.running >= 1 ? current : undefined;
      },
      { message: 'two cases to pass and one in flight', intervalMs: 5 },
    );
    process.kill(running.pid as number, 'SIGKILL');
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('FAILED');
    expect(ended.reason).toContain('SIGKILL');
    expectCountsAddUp(ended);
    const tests = await trc.tests(run.runId);
    expect(tests.filter((test) => test.status === 'passed').length).toBeGreaterThanOrEqual(2);
    expect(tests.filter((test) => test.error?.kind === 'error').length).toBeGreaterThanOrEqual(1);
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
    await waitFor(() => !isProcessAlive(running.pid as number), { message: 'the child to be gone' });
  });
});

describe('a Vitest trc cannot drive', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon();
  });
  afterAll(() => trc?.close());

  it('fails a project on Vitest 3.1 at once, naming the version found and the versions supported', async () => {
    const run = await trc.createRun({ project: 'vitest-3.1' });
    const ended = await trc.waitForEnd(run.runId, 10_000);
    expect(ended).toMatchObject({ status: 'FAILED', pid: null });
    expect(ended.reason).toContain('Vitest 3.1.4 is not supported');
    expect(ended.reason).toContain('3.2.x, 4.0.x, 4.1.x and 5.x');
    expect(ended.reason).toContain(path.join(FIXTURES, 'vitest-3.1'));
  });

  it.skipIf(checkNodeForVitest('5.1.1', process.versions.node) === null)(
    'fails a Vitest 5 project at once when its node is too old and no node is configured for it',
    async () => {
      const run = await trc.createRun({ project: 'vitest-5' });
      const ended = await trc.waitForEnd(run.runId, 10_000);
      expect(ended).toMatchObject({ status: 'FAILED', pid: null });
      expect(ended.reason).toContain('Vitest 5.1.1 needs node ≥ 22.12.0');
      expect(ended.reason).toContain(`node is v${process.versions.node}`);
      expect(ended.reason).toContain('TRC_PROJECT_NODE=vitest-5=');
    },
  );
});
