import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/create-app.js';
import { AppError, ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import type { RunRecord, RunRequest, RunStatus, TestRecord } from '../../src/runs/model.js';
import type { ListRunsQuery, RunService } from '../../src/runs/run-service.types.js';
import { buildRunRecord } from '../setup/run-record.js';

const RUN_ID = 'test_20250102_030405_0123abcd';
const OTHER_ID = 'test_20250102_030405_ffffffff';

function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return buildRunRecord({ runId: RUN_ID, ...overrides });
}

function requireStatus(run: RunRecord, allowed: RunStatus[], next: RunStatus): RunRecord {
  if (!allowed.includes(run.status)) {
    throw new AppError(`Cannot change a ${run.status} run`, {
      code: 'INVALID_TRANSITION',
      details: { status: run.status, allowedActions: [] },
    });
  }
  run.status = next;
  return run;
}

/** In-memory stand-in for the run service: this file tests the HTTP layer only. */
class FakeRunService implements RunService {
  readonly runs = new Map<string, RunRecord>();
  readonly calls: string[] = [];
  lastRequest: RunRequest | null = null;
  lastListQuery: ListRunsQuery | null = null;
  lastDelete: { runId: string; keepReports: boolean } | null = null;
  failure: unknown = null;
  readonly tests: TestRecord[] = [
    {
      id: 't1',
      file: 'a.test.ts',
      name: 'adds',
      fullName: 'math adds',
      status: 'passed',
      durationMs: 3,
      traceId: 'a'.repeat(32),
    },
  ];

  private find(runId: string): RunRecord {
    this.calls.push(runId);
    if (this.failure !== null) {
      throw this.failure;
    }
    const run = this.runs.get(runId);
    if (run === undefined) {
      throw new AppError('Run not found', { code: 'RUN_NOT_FOUND' });
    }
    return run;
  }

  async createRun(request: RunRequest): Promise<RunRecord> {
    this.lastRequest = request;
    const run = makeRun({ ...request });
    this.runs.set(run.runId, run);
    return run;
  }
  async getRun(runId: string) {
    return this.find(runId);
  }
  async listRuns(query: ListRunsQuery) {
    this.lastListQuery = query;
    return { runs: [...this.runs.values()], nextCursor: 'next-page' };
  }
  async pauseRun(runId: string) {
    return requireStatus(this.find(runId), ['PENDING', 'RUNNING'], 'PAUSED');
  }
  async resumeRun(runId: string) {
    return requireStatus(this.find(runId), ['PAUSED'], 'PENDING');
  }
  async cancelRun(runId: string) {
    return requireStatus(this.find(runId), ['PENDING', 'RUNNING', 'PAUSED'], 'CANCELLED');
  }
  async deleteRun(runId: string, options: { keepReports: boolean }) {
    this.find(runId);
    this.lastDelete = { runId, keepReports: options.keepReports };
  }
  async listTests(runId: string) {
    this.find(runId);
    return this.tests;
  }
  async listLogs(): Promise<never> {
    throw new Error('not used here');
  }
  async runLogPath(): Promise<never> {
    throw new Error('not used here');
  }
  async testLogPath(): Promise<never> {
    throw new Error('not used here');
  }
  async reportPath(): Promise<never> {
    throw new Error('not used here');
  }
  async archiveEntries(): Promise<never> {
    throw new Error('not used here');
  }
  async isHealthy() {
    return true;
  }
}

let service: FakeRunService;
let logLines: string[];
let baseUrl: string;
let closeServer: () => Promise<void>;

async function startServer(publicBaseUrl?: string): Promise<void> {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const server = createApp({ runs: service, logger, publicBaseUrl }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeServer = () =>
    new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
}

beforeEach(async () => {
  service = new FakeRunService();
  logLines = [];
  await startServer();
});

afterEach(async () => {
  await closeServer();
});

function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('POST /api/v1/runs', () => {
  it('answers 202 with Location and the run with its links', async () => {
    const response = await postJson('/api/v1/runs', { files: ['test/a.test.ts'], labels: { team: 'qa' } });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/api/v1/runs/${RUN_ID}`);
    expect(response.headers.get('x-powered-by')).toBeNull();
    const { run } = (await response.json()) as { run: Record<string, unknown> };
    expect(run).toMatchObject({
      runId: RUN_ID,
      status: 'PENDING',
      files: ['test/a.test.ts'],
      labels: { team: 'qa' },
      notes: [],
    });
    expect(run.links).toEqual({
      self: `/api/v1/runs/${RUN_ID}`,
      pause: `/api/v1/runs/${RUN_ID}/pause`,
      resume: `/api/v1/runs/${RUN_ID}/resume`,
      cancel: `/api/v1/runs/${RUN_ID}/cancel`,
      tests: `/api/v1/runs/${RUN_ID}/tests`,
      logs: `/api/v1/runs/${RUN_ID}/logs`,
      report: `/api/v1/runs/${RUN_ID}/report`,
      junit: `/api/v1/runs/${RUN_ID}/report/junit.xml`,
      archive: `/api/v1/runs/${RUN_ID}/report/archive`,
    });
    for (const key of Object.keys(makeRun())) {
      expect(run).toHaveProperty(key);
    }
  });

  it('makes Location absolute under publicBaseUrl', async () => {
    await closeServer();
    await startServer('https://trc.example.com/');
    const response = await postJson('/api/v1/runs', {});
    expect(response.headers.get('location')).toBe(`https://trc.example.com/api/v1/runs/${RUN_ID}`);
    expect(((await response.json()) as { run: { links: { self: string } } }).run.links.self).toBe(
      `/api/v1/runs/${RUN_ID}`,
    );
  });

  it('fills defaults and nulls for absent fields, also without any body', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(service.lastRequest).toEqual({
      project: 'default',
      files: [],
      testNamePattern: null,
      vitestProject: null,
      env: {},
      timeoutMs: null,
      showConsole: false,
      labels: {},
    });
  });

  it('passes every valid field through', async () => {
    const body = {
      project: 'web',
      files: ['src/**/*.test.ts', 'a/../b.test.ts'],
      testNamePattern: '^login .*works$',
      vitestProject: 'e2e',
      env: { BASE_URL: 'http://x', _DEBUG: '1' },
      timeoutMs: 60000,
      showConsole: true,
      labels: { build: '42' },
    };
    expect((await postJson('/api/v1/runs', body)).status).toBe(202);
    expect(service.lastRequest).toEqual(body);
  });

  it('refuses a non-JSON Content-Type', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toMatch(/Content-Type must be application\/json/);
  });

  it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"files": [',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/malformed JSON/),
    });
  });

  it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await postJson('/api/v1/runs', { labels: { big: 'x'.repeat(1024 * 1024) } });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) },
    });
    expect(service.lastRequest).toBeNull();
  });
});

describe('GET /api/v1/runs', () => {
  it('lists runs newest first with nextCursor, parsing the query', async () => {
    service.runs.set(RUN_ID, makeRun());
    const response = await fetch(`${baseUrl}/api/v1/runs?status=running&limit=10&cursor=abc`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      runs: Array<{ runId: string; links: object }>;
      nextCursor: string;
    };
    expect(body.nextCursor).toBe('next-page');
    expect(body.runs[0]?.links).toBeDefined();
    expect(service.lastListQuery).toEqual({ status: 'RUNNING', limit: 10, cursor: 'abc' });
  });

  it('defaults the limit to 50', async () => {
    await fetch(`${baseUrl}/api/v1/runs`);
    expect(service.lastListQuery).toEqual({ limit: 50 });
  });

  it.each(['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'status=DONE', 'limit=1&limit=2', 'colour=red'])(
    'refuses %s with 400',
    async (query) => {
      const response = await fetch(`${baseUrl}/api/v1/runs?${query}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as {
        error: { code: string; message: string; details: Array<{ path: string }> };
      };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toContain(query.split('=')[0] ?? '');
      expect(service.lastListQuery).toBeNull();
    },
  );
});

describe('one run', () => {
  beforeEach(() => {
    service.runs.set(RUN_ID, makeRun({ status: 'RUNNING' }));
  });

  it('gets a run', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { run: RunRecord }).run.status).toBe('RUNNING');
  });

  it('answers an id of the wrong shape 404 RUN_NOT_FOUND without asking the service', async () => {
    for (const id of ['nope', 'test_2025_1_1', `${RUN_ID}x`, RUN_ID.toUpperCase()]) {
      const response = await fetch(`${baseUrl}/api/v1/runs/${id}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('RUN_NOT_FOUND');
    }
    expect(service.calls).toEqual([]);
  });

  it('pauses (200), resumes (200) and cancels (202) without a body', async () => {
    const pause = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/pause`, { method: 'POST' });
    expect(pause.status).toBe(200);
    expect(((await pause.json()) as { run: RunRecord }).run.status).toBe('PAUSED');
    const resume = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/resume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(resume.status).toBe(200);
    const cancel = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(((await cancel.json()) as { run: RunRecord }).run.status).toBe('CANCELLED');
  });

  it('answers an invalid transition 409 with the details', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/resume`, { method: 'POST' });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: {
        code: 'INVALID_TRANSITION',
        message: 'Cannot change a RUNNING run',
        details: { status: 'RUNNING', allowedActions: [] },
      },
    });
  });

  it.each([
    ['', false],
    ['?keepReports=true', true],
    ['?keepReports=1', true],
    ['?keepReports=false', false],
    ['?keepReports=0', false],
  ])('deletes with query "%s" (keepReports %s)', async (query, keepReports) => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}${query}`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(service.lastDelete).toEqual({ runId: RUN_ID, keepReports });
  });

  it('refuses keepReports=yes', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}?keepReports=yes`, { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'keepReports',
    );
    expect(service.lastDelete).toBeNull();
  });

  it('lists the test cases', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/tests`);
    expect(await response.json()).toEqual({ tests: service.tests });
  });
});

describe('errors', () => {
  it.each(Object.keys(ERROR_CODES).filter((code) => code !== 'INTERNAL') as ErrorCode[])(
    'maps AppError %s to its status and JSON body',
    async (code) => {
      service.failure = new AppError(`failure ${code}`, { code, details: { hint: 1 } });
      const response = await fetch(`${baseUrl}/api/v1/runs/${OTHER_ID}`);
      expect(response.status).toBe(ERROR_CODES[code]);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        error: { code, message: `failure ${code}`, details: { hint: 1 } },
      });
    },
  );

  it('answers an unexpected error 500 INTERNAL, logged with err, no stack to the client', async () => {
    service.failure = new Error('redis exploded at 10.0.0.7');
    const response = await fetch(`${baseUrl}/api/v1/runs/${OTHER_ID}`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
    const logged = logLines.map((line) => JSON.parse(line) as { level: number; err?: { message: string } });
    expect(
      logged.some((entry) => entry.level === 50 && entry.err?.message === 'redis exploded at 10.0.0.7'),
    ).toBe(true);
  });

  it('answers unknown routes 404 NOT_FOUND', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/api/v2/runs'],
      ['PUT', `/api/v1/runs/${RUN_ID}`],
    ] as const) {
      const response = await fetch(`${baseUrl}${path}`, { method });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('serves a small index at /api/v1', async () => {
    const body = (await (await fetch(`${baseUrl}/api/v1`)).json()) as {
      version: string;
      endpoints: string[];
    };
    expect(body.version).toBe('v1');
    expect(body.endpoints).toContain('POST /api/v1/runs');
  });
});
