import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/runner/stop-process-tree.js';
import { waitFor } from '../setup/wait-for.js';
import { FIXTURES, validateJunit } from './support/test-daemon.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/trc.js');

interface Serving {
  url: string;
  process: ResultPromise;
}

/** `trc serve` as a user runs it: its own private redis-server under the data folder. */
async function serve(workDir: string): Promise<Serving> {
  const child = execa('node', [BIN, 'serve'], {
    cwd: workDir,
    env: {
      TRC_PORT: '0',
      TRC_CONCURRENCY: '1',
      TRC_PROJECTS: `basic=${path.join(FIXTURES, 'basic')},slow=${path.join(FIXTURES, 'slow')}`,
      TRC_KILL_GRACE_MS: '500',
    },
    reject: false,
    all: true,
    buffer: { all: true },
  });
  let output = '';
  child.all?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await waitFor(() => /trc listening on (http:\/\/[^"\s]+)/.exec(output)?.[1], {
    timeoutMs: 30_000,
    message: `trc serve to listen; output so far:\n${output}`,
  });
  return { url, process: child };
}

async function api(url: string, method: string, route: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: response.headers.get('content-type')?.includes('json')
      ? await response.json()
      : await response.text(),
  };
}

async function waitForStatus(url: string, runId: string, statuses: string[]): Promise<any> {
  return waitFor(
    async () => {
      const { body } = await api(url, 'GET', `/api/v1/runs/${runId}`);
      return statuses.includes(body.run?.status) ? body.run : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: `run ${runId} to reach ${statuses.join('/')}` },
  );
}

describe('stopping trc with SIGTERM and starting it again', () => {
  let workDir: string;
  let current: Serving | null = null;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'trc-restart-'));
  });
  afterAll(async () => {
    current?.process.kill('SIGKILL');
    await rm(workDir, { recursive: true, force: true });
  });

  it('keeps finished runs with their reports and logs, and still runs the queued ones', async () => {
    current = await serve(workDir);
    const { url } = current;
    const finished = (await api(url, 'POST', '/api/v1/runs', { project: 'basic' })).body.run.runId;
    await waitForStatus(url, finished, ['COMPLETED']);
    const running = (
      await api(url, 'POST', '/api/v1/runs', { project: 'slow', env: { CASE_DELAY_MS: '300' } })
    ).body.run.runId;
    await waitForStatus(url, running, ['RUNNING']);
    const queued = (
      await api(url, 'POST', '/api/v1/runs', { project: 'basic', files: ['test/math.test.ts'] })
    ).body.run.runId;

    current.process.kill('SIGTERM');
    const stopped = await current.process;
    expect(stopped.exitCode, String(stopped.all).slice(-3000)).toBe(0);
    current = await serve(workDir);
    const next = current.url;

    const kept = await api(next, 'GET', `/api/v1/runs/${finished}`);
    expect(kept.body.run).toMatchObject({ status: 'COMPLETED', result: 'failed' });
    const junit = await api(next, 'GET', `/api/v1/runs/${finished}/report/junit.xml`);
    expect(junit.status).toBe(200);
    expect(junit.body).toContain('<testsuites');
    expect((await api(next, 'GET', `/api/v1/runs/${finished}/logs/run`)).body).toContain('Test Files');

    const interrupted = (await api(next, 'GET', `/api/v1/runs/${running}`)).body.run;
    expect(interrupted.status).toBe('CANCELLED');
    expect(interrupted.reason).toContain('daemon stopped');
    expect(interrupted.counts.total).toBe(
      interrupted.counts.passed + interrupted.counts.failed + interrupted.counts.skipped,
    );
    expect(validateJunit(path.join(workDir, 'reports', running, 'junit.xml'))).toBeNull();

    expect(await waitForStatus(next, queued, ['COMPLETED'])).toMatchObject({ result: 'passed' });

    current.process.kill('SIGTERM');
    expect((await current.process).exitCode).toBe(0);
    current = null;
  });

  it('stops the child of a daemon killed outright, and reports its run at the next start', async () => {
    current = await serve(workDir);
    const { url } = current;
    const runId = (await api(url, 'POST', '/api/v1/runs', { project: 'slow', env: { CASE_DELAY_MS: '900' } }))
      .body.run.runId;
    const running = await waitFor(
      async () => {
        const { run } = (await api(url, 'GET', `/api/v1/runs/${runId}`)).body;
        return run.pid && run.counts.passed > 0 ? run : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'a case of the slow run to pass' },
    );

    current.process.kill('SIGKILL');
    await current.process;
    current = null;
    // Nothing it does can be recorded any more: the child stops once the cases in flight end,
    // long before its 40 cases of 0.9 s would have run.
    await waitFor(() => !isProcessAlive(running.pid), {
      timeoutMs: 5_000,
      message: `the Vitest child ${running.pid} of the killed daemon to exit`,
    });

    current = await serve(workDir);
    const ended = await waitForStatus(current.url, runId, ['FAILED']);
    expect(ended.reason).toContain('daemon running it stopped unexpectedly');
    expect(ended.counts.passed).toBeGreaterThan(0);
    expect(ended.counts.total).toBe(ended.counts.passed + ended.counts.failed + ended.counts.skipped);
    expect(validateJunit(path.join(workDir, 'reports', runId, 'junit.xml'))).toBeNull();
    current.process.kill('SIGTERM');
    expect((await current.process).exitCode).toBe(0);
    current = null;
  });
});
