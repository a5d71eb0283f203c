import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, validateJunit, type TestDaemon } from './support/test-daemon.js';

describe('a run from start to reports (basic fixture: pass, fail, skip, todo)', () => {
  let trc: TestDaemon;
  let runId: string;

  beforeAll(async () => {
    trc = await startTestDaemon();
    const created = await trc.request('POST', '/api/v1/runs', {
      project: 'basic',
      labels: { team: 'qa' },
      env: { API_PASSWORD: 'hunter2' },
    });
    expect(created.status).toBe(202);
    // The child's environment often holds secrets: the API shows the names only.
    expect(created.body.run.env).toEqual({ API_PASSWORD: '***' });
    runId = created.body.run.runId;
    expect(created.headers.get('location')).toBe(`/api/v1/runs/${runId}`);
    expect(runId).toMatch(/^test_\d{8}_\d{6}_[0-9a-f]{8}$/);
    await trc.waitForEnd(runId);
  });
  afterAll(() => trc?.close());

  it('ends COMPLETED with result failed and counts that add up', async () => {
    const run = await trc.getRun(runId);
    expect(run).toMatchObject({
      status: 'COMPLETED',
      result: 'failed',
      exitCode: 1,
      pid: null,
      labels: { team: 'qa' },
    });
    expect(run.counts).toEqual({ total: 6, passed: 3, failed: 1, skipped: 2, running: 0 });
    expect(Date.parse(run.startedAt ?? '')).toBeLessThanOrEqual(Date.parse(run.endedAt ?? ''));
  });

  it('lists every case with a trace id, errors and skip reasons', async () => {
    const tests = await trc.tests(runId);
    expect(tests).toHaveLength(6);
    for (const test of tests) {
      expect(test.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    const byName = Object.fromEntries(tests.map((test) => [test.name, test]));
    expect(byName['is skipped']).toMatchObject({
      status: 'skipped',
      skipReason: 'skip',
      file: 'test/math.test.ts',
    });
    expect(byName['is todo']).toMatchObject({ status: 'skipped', skipReason: 'todo' });
    expect(byName['fails with a diff']?.status).toBe('failed');
    expect(byName['fails with a diff']?.error?.message).toContain(
      'expected { a: 1 } to deeply equal { a: 2 }',
    );
    expect(byName['fails with a diff']?.error?.stack).toContain('fail.test.ts');
    expect(byName['adds']).toMatchObject({ status: 'passed', fullName: 'math > adds' });
  });

  it("writes each case's console output to its own log, and the child's output to run.log", async () => {
    const tests = await trc.tests(runId);
    const adds = tests.find((test) => test.name === 'adds');
    const multiplies = tests.find((test) => test.name === 'multiplies');
    const addsLog = await trc.request('GET', `/api/v1/runs/${runId}/logs/${adds?.traceId}`);
    expect(addsLog.status).toBe(200);
    expect(addsLog.headers.get('content-type')).toContain('text/plain');
    expect(addsLog.body).toContain('adding 1 + 1');
    const multipliesLog = await trc.request('GET', `/api/v1/runs/${runId}/logs/${multiplies?.traceId}`);
    expect(multipliesLog.body).toContain(`[stderr] trace ${multiplies?.traceId}`);
    expect(multipliesLog.body).not.toContain('adding');
    const runLog = await trc.request('GET', `/api/v1/runs/${runId}/logs/run`);
    expect(runLog.body).toContain('Test Files');
    const list = await trc.request('GET', `/api/v1/runs/${runId}/logs`);
    expect(list.body.runLog).toContain(`/api/v1/runs/${runId}/logs/run`);
    expect(list.body.logs).toHaveLength(6);
    expect(
      list.body.logs.find((log: { traceId: string }) => log.traceId === adds?.traceId).bytes,
    ).toBeGreaterThan(0);
  });

  it('writes a JUnit report that validates against the Jenkins schema', async () => {
    const junit = path.join(trc.dirs.reports, runId, 'junit.xml');
    expect(validateJunit(junit)).toBeNull();
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('<skipped message="todo"');
    expect(xml).toContain('<failure');
    expect(xml).toContain(runId);
    const download = await trc.request('GET', `/api/v1/runs/${runId}/report/junit.xml`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${runId}-junit.xml"`);
    expect(download.body).toBe(xml);
  });

  it('serves the HTML report and a zip of reports and logs as attachments', async () => {
    const html = await trc.request('GET', `/api/v1/runs/${runId}/report`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-disposition')).toBe(`attachment; filename="${runId}-report.html"`);
    expect(html.body).toContain('fails with a diff');
    expect(html.body).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
    const zip = await fetch(`${trc.url}/api/v1/runs/${runId}/report/archive`);
    expect(zip.headers.get('content-disposition')).toBe(`attachment; filename="${runId}.zip"`);
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(bytes.includes(Buffer.from(`${runId}/reports/junit.xml`))).toBe(true);
    expect(bytes.includes(Buffer.from(`${runId}/logs/run.log`))).toBe(true);
  });

  it('lists runs newest first with a status filter and a cursor', async () => {
    const second = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    await trc.waitForEnd(second.runId);
    const page1 = await trc.request('GET', '/api/v1/runs?limit=1');
    expect(page1.body.runs.map((run: { runId: string }) => run.runId)).toEqual([second.runId]);
    const page2 = await trc.request('GET', `/api/v1/runs?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.runs.map((run: { runId: string }) => run.runId)).toEqual([runId]);
    expect(page2.body.nextCursor).toBeNull();
    const passed = await trc.getRun(second.runId);
    expect(passed).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    expect(passed.counts).toEqual({ total: 4, passed: 2, failed: 0, skipped: 2, running: 0 });
    const completed = await trc.request('GET', '/api/v1/runs?status=COMPLETED');
    expect(completed.body.runs).toHaveLength(2);
    const running = await trc.request('GET', '/api/v1/runs?status=RUNNING');
    expect(running.body.runs).toHaveLength(0);
  });

  it('deletes a finished run with its files, or keeps the reports when asked', async () => {
    const keep = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    await trc.waitForEnd(keep.runId);
    expect((await trc.request('DELETE', `/api/v1/runs/${keep.runId}?keepReports=true`)).status).toBe(204);
    expect(existsSync(path.join(trc.dirs.reports, keep.runId, 'junit.xml'))).toBe(true);
    expect(existsSync(path.join(trc.dirs.logs, keep.runId))).toBe(false);
    expect((await trc.request('GET', `/api/v1/runs/${keep.runId}`)).status).toBe(404);

    const gone = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    await trc.waitForEnd(gone.runId);
    expect((await trc.request('DELETE', `/api/v1/runs/${gone.runId}`)).status).toBe(204);
    expect(existsSync(path.join(trc.dirs.reports, gone.runId))).toBe(false);
    const again = await trc.request('DELETE', `/api/v1/runs/${gone.runId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('RUN_NOT_FOUND');
  });
});

describe('a test file that cannot load', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon();
  });
  afterAll(() => trc?.close());

  it('is reported as a failed case, never as green', async () => {
    const run = await trc.createRun({ project: 'broken' });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'failed' });
    const tests = await trc.tests(run.runId);
    const broken = tests.find((test) => test.file === 'test/throws-on-load.test.ts');
    expect(broken).toMatchObject({ status: 'failed' });
    expect(broken?.error?.message).toContain('this file cannot load');
    expect(ended.counts.total).toBe(ended.counts.passed + ended.counts.failed + ended.counts.skipped);
    expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
  });
});
