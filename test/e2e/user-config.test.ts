import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, validateJunit, type TestDaemon } from './support/test-daemon.js';

describe('a project with its own setup file, reporter, runner and Vitest projects', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    // Each run's child spawned as the run starts: the e2e files' other daemons hand most runs to
    // a launcher started ahead of them.
    trc = await startTestDaemon({ env: { TRC_WARM_START: 'false' } });
  });
  afterAll(() => trc?.close());

  it('keeps all of them, and the trace-aware logger writes into the case log', async () => {
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'trc-marker-')), 'marker.json');
    const run = await trc.createRun({ project: 'user-config', env: { MARKER_FILE: marker } });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    expect(ended.counts).toMatchObject({ total: 3, passed: 3 });
    // The user's reporter ran beside trc's.
    expect(JSON.parse(await readFile(marker, 'utf8'))).toEqual({ modules: 2 });
    const tests = await trc.tests(run.runId);
    expect(new Set(tests.map((test) => test.project))).toEqual(new Set(['unit', 'other']));
    const logged = tests.find((test) => test.name === 'logs through the trace-aware logger');
    const log = await trc.request('GET', `/api/v1/runs/${run.runId}/logs/${logged?.traceId}`);
    expect(log.body).toContain('console line from the test');
    const pinoLine = (log.body as string)
      .split('\n')
      .find((line) => line.includes('pino line from the test'));
    expect(JSON.parse(pinoLine ?? '{}')).toMatchObject({ traceId: logged?.traceId, step: 'login' });
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });

  it('runs only the Vitest project named by vitestProject', async () => {
    const run = await trc.createRun({ project: 'user-config', vitestProject: 'other' });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    const tests = await trc.tests(run.runId);
    expect(tests.map((test) => [test.project, test.name])).toEqual([
      ['other', 'belongs to the other project'],
    ]);
  });
});

describe('choosing what runs', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon();
  });
  afterAll(() => trc?.close());

  it('passes files (globs too) and testNamePattern to Vitest', async () => {
    const run = await trc.createRun({
      project: 'slow',
      files: ['test/[ab].test.ts'],
      testNamePattern: 'case [01]$',
    });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('COMPLETED');
    const tests = await trc.tests(run.runId);
    const ran = tests
      .filter((test) => test.status === 'passed')
      .map((test) => test.name)
      .sort();
    expect(ran).toEqual(['a case 0', 'a case 1', 'b case 0', 'b case 1']);
    expect(new Set(tests.map((test) => test.file))).toEqual(new Set(['test/a.test.ts', 'test/b.test.ts']));
  });

  it('fails at once, with a reason, when a glob matches no test file', async () => {
    const run = await trc.createRun({ project: 'slow', files: ['test/nothing-*.test.ts'] });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended.status).toBe('FAILED');
    expect(ended.reason).toContain('no test file matches "test/nothing-*.test.ts"');
    expect(existsSync(path.join(trc.dirs.reports, run.runId, 'report.html'))).toBe(true);
  });

  it('fails with a reason when Vitest finds no test file for a path', async () => {
    const run = await trc.createRun({ project: 'slow', files: ['test/missing.test.ts'] });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'FAILED', reason: 'No test files found' });
  });
});
