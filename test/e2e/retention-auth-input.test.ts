import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../setup/wait-for.js';
import { startTestDaemon, type TestDaemon } from './support/test-daemon.js';

describe('retention', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon({ env: { TRC_KEEP_REPORTS: '1' } });
  });
  afterAll(() => trc?.close());

  it('keeps the reports of the newest TRC_KEEP_REPORTS finished runs and says so on the older ones', async () => {
    const first = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    await trc.waitForEnd(first.runId);
    expect(existsSync(path.join(trc.dirs.reports, first.runId, 'junit.xml'))).toBe(true);
    const second = await trc.createRun({ project: 'basic', files: ['test/math.test.ts'] });
    await trc.waitForEnd(second.runId);

    // Retention runs once the second run is terminal, moments after its status says so.
    await waitFor(async () => Boolean((await trc.getRun(first.runId)).reportsRemovedAt), {
      message: 'retention to remove the older reports',
    });
    expect(existsSync(path.join(trc.dirs.reports, first.runId))).toBe(false);
    expect(existsSync(path.join(trc.dirs.reports, second.runId, 'junit.xml'))).toBe(true);
    const old = await trc.getRun(first.runId);
    expect(Date.parse(old.reportsRemovedAt ?? '')).toBeGreaterThan(0);
    const answer = await trc.request('GET', `/api/v1/runs/${first.runId}/report`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toContain('removed by retention');
    // Its record and logs are still there.
    expect((await trc.tests(first.runId)).length).toBe(4);
  });
});

describe('authentication with TRC_API_TOKEN', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon({ env: { TRC_API_TOKEN: 's3cret-token' } });
  });
  afterAll(() => trc?.close());

  it('leaves /healthz open and needs the bearer token everywhere else', async () => {
    expect((await fetch(`${trc.url}/healthz`)).status).toBe(200);
    const anonymous = await fetch(`${trc.url}/api/v1/runs`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const wrong = await fetch(`${trc.url}/api/v1/runs`, {
      headers: { authorization: 'Bearer s3cret-tokeX' },
    });
    expect(wrong.status).toBe(401);
    const right = await trc.request('GET', '/api/v1/runs');
    expect(right.status).toBe(200);
  });
});

describe('bad input changes nothing', () => {
  let trc: TestDaemon;
  beforeAll(async () => {
    trc = await startTestDaemon({ runWorker: false });
  });
  afterAll(() => trc?.close());

  const cases: Array<[string, unknown, number, string]> = [
    ['an unknown project', { project: 'nope' }, 400, 'unknown project'],
    ['an unknown key', { project: 'basic', colour: 'red' }, 400, 'colour'],
    ['files that is not an array', { files: 'test/a.test.ts' }, 400, 'files'],
    ['an absolute path', { files: ['/etc/passwd'] }, 400, 'files'],
    ['a path that leaves the project', { files: ['test/../../../secret.test.ts'] }, 400, 'files'],
    ['an env name that is not allowed', { env: { 'bad-name': 'x' } }, 400, 'env'],
    ['a TRC_ env name', { env: { TRC_REDIS_URL: 'x' } }, 400, 'env'],
    ['a timeout that is not a number', { timeoutMs: 'soon' }, 400, 'timeoutMs'],
  ];
  for (const [what, body, status, mention] of cases) {
    it(`refuses ${what}`, async () => {
      const answer = await trc.request('POST', '/api/v1/runs', body);
      expect(answer.status).toBe(status);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(answer.body.error)).toContain(mention);
      expect((await trc.request('GET', '/api/v1/runs')).body.runs).toEqual([]);
    });
  }

  it('refuses malformed JSON and bodies over 1 MiB', async () => {
    const malformed = await fetch(`${trc.url}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"project": ',
    });
    expect(malformed.status).toBe(400);
    const huge = await trc.request('POST', '/api/v1/runs', { labels: { big: 'x'.repeat(1024 * 1024 + 10) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await trc.request('GET', '/api/v1/runs')).body.runs).toEqual([]);
  });

  it('answers 404 for unknown runs and never reads files outside a run through log URLs', async () => {
    const missing = await trc.request('GET', '/api/v1/runs/test_20260101_000000_deadbeef');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('RUN_NOT_FOUND');
    const run = await trc.createRun({ project: 'basic' });
    for (const route of [
      `/api/v1/runs/${run.runId}/logs/..%2F..%2F..%2Fetc%2Fpasswd`,
      `/api/v1/runs/${run.runId}/logs/0123456789abcdef0123456789abcdef`,
      `/api/v1/runs/..%2F..%2Fetc/logs/run`,
    ]) {
      const answer = await trc.request('GET', route);
      expect(answer.status).toBe(404);
      expect(JSON.stringify(answer.body)).not.toContain('root:');
    }
    const notReady = await trc.request('GET', `/api/v1/runs/${run.runId}/report`);
    expect(notReady.status).toBe(404);
    expect(notReady.body.error.code).toBe('REPORT_NOT_READY');
    const deleteEarly = await trc.request('DELETE', `/api/v1/runs/${run.runId}`);
    expect(deleteEarly.status).toBe(409);
    expect(deleteEarly.body.error.details).toEqual({
      status: 'PENDING',
      allowedActions: ['pause', 'cancel'],
    });
  });
});
