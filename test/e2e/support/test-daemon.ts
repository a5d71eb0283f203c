import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { startDaemon, type Daemon } from '../../../src/daemon.js';
import { deleteKeys } from '../../setup/delete-keys.js';
import { waitFor } from '../../setup/wait-for.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
export const SCHEMA = path.resolve(import.meta.dirname, '../../../../shared/schemas/jenkins-junit-10.xsd');
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

export interface ApiRun {
  runId: string;
  status: string;
  result: string | null;
  reason: string | null;
  pid: number | null;
  startedAt: string | null;
  endedAt: string | null;
  pauseRequested: boolean;
  cancelRequested: boolean;
  counts: { total: number; passed: number; failed: number; skipped: number; running: number };
  notes: string[];
  reportsRemovedAt: string | null;
  links: Record<string, string>;
}

export interface ApiTest {
  id: string;
  file: string;
  name: string;
  fullName: string;
  status: string;
  durationMs: number | null;
  traceId: string;
  error?: { message: string; stack?: string; kind?: string };
  skipReason?: string;
  placeholder?: boolean;
  project?: string;
}

export interface TestDaemon {
  url: string;
  daemon: Daemon;
  dirs: { reports: string; logs: string; data: string };
  request(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  createRun(body: Record<string, unknown>): Promise<ApiRun>;
  getRun(runId: string): Promise<ApiRun>;
  tests(runId: string): Promise<ApiTest[]>;
  act(runId: string, action: 'pause' | 'resume' | 'cancel'): Promise<ApiRun>;
  waitForStatus(runId: string, statuses: string[], timeoutMs?: number): Promise<ApiRun>;
  waitForEnd(runId: string, timeoutMs?: number): Promise<ApiRun>;
  close(): Promise<void>;
}

/** A real daemon (real Redis, real Vitest children) on fixture projects, isolated by key prefix and temp dirs. */
export async function startTestDaemon(
  options: { env?: Record<string, string>; runWorker?: boolean } = {},
): Promise<TestDaemon> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'trc-e2e-'));
  const dirs = {
    reports: path.join(root, 'reports'),
    logs: path.join(root, 'logs'),
    data: path.join(root, 'data'),
  };
  const prefix = `e2e${randomBytes(4).toString('hex')}`;
  const redisUrl = inject('redisUrl');
  const projects = [
    ...[
      'basic',
      'slow',
      'concurrent',
      'hang',
      'broken',
      'user-config',
      'many-files',
      'setup-gate',
      'env-echo',
    ],
    ...['vitest-3.1', 'vitest-3.2', 'vitest-4.0', 'vitest-4.1', 'vitest-5'],
  ]
    .map((name) => `${name}=${path.join(FIXTURES, name)}`)
    .join(',');
  const config = loadConfig(
    {
      TRC_PORT: '0',
      TRC_REDIS_URL: redisUrl,
      TRC_PROJECTS: `default=${path.join(FIXTURES, 'basic')},${projects}`,
      TRC_REPORTS_DIR: dirs.reports,
      TRC_LOGS_DIR: dirs.logs,
      TRC_DATA_DIR: dirs.data,
      TRC_KEY_PREFIX: prefix,
      TRC_KILL_GRACE_MS: '500',
      ...options.env,
    },
    root,
  );
  const daemon = await startDaemon({
    config,
    logger: pino({ level: process.env.TRC_TEST_LOG_LEVEL ?? 'silent' }),
    redisUrl,
    runWorker: options.runWorker,
  });
  const token = options.env?.TRC_API_TOKEN;

  const request: TestDaemon['request'] = async (method, route, body) => {
    const response = await fetch(`${daemon.url}${route}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.includes('json');
    return {
      status: response.status,
      body: isJson && text ? JSON.parse(text) : text,
      headers: response.headers,
    };
  };
  const expectOk = async (method: string, route: string, body?: unknown): Promise<any> => {
    const answer = await request(method, route, body);
    if (answer.status >= 300) {
      throw new Error(`${method} ${route} → ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  };
  const getRun = async (runId: string): Promise<ApiRun> =>
    (await expectOk('GET', `/api/v1/runs/${runId}`)).run;
  const waitForStatus = (runId: string, statuses: string[], timeoutMs = 60_000): Promise<ApiRun> =>
    waitFor(
      async () => {
        const run = await getRun(runId);
        return statuses.includes(run.status) ? run : undefined;
      },
      { timeoutMs, intervalMs: 100, message: `run ${runId} to reach ${statuses.join('/')}` },
    );

  return {
    url: daemon.url,
    daemon,
    dirs,
    request,
    createRun: async (body) => (await expectOk('POST', '/api/v1/runs', body)).run,
    getRun,
    tests: async (runId) => (await expectOk('GET', `/api/v1/runs/${runId}/tests`)).tests,
    act: async (runId, action) => (await expectOk('POST', `/api/v1/runs/${runId}/${action}`)).run,
    waitForStatus,
    waitForEnd: (runId, timeoutMs) => waitForStatus(runId, TERMINAL, timeoutMs),
    close: async () => {
      await daemon.close();
      const redis = new Redis(redisUrl);
      await deleteKeys(redis, prefix);
      await redis.quit();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Validate a JUnit file against the Jenkins schema with xmllint; returns xmllint's complaint or null. */
export function validateJunit(file: string): string | null {
  try {
    execFileSync('xmllint', ['--noout', '--schema', SCHEMA, file], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

/** Case start/end times the slow and concurrent fixtures append to STARTS_FILE. */
export async function readCaseTimes(
  file: string,
): Promise<Array<{ kind: 'start' | 'end'; name: string; t: number }>> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: 'start' | 'end'; name: string; t: number });
}

/** Wall-clock now on the same scale as the fixtures' times. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
