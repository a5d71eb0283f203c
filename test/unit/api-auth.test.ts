import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/create-app.js';
import { AppError } from '../../src/errors.js';
import type { RunRecord } from '../../src/runs/model.js';
import type { RunService } from '../../src/runs/run-service.types.js';
import { partialRunService } from '../setup/partial-run-service.js';

const TOKEN = 's3cret-token-0123456789abcdef';
const WRONG_TOKEN_SAME_LENGTH = 's3cret-token-0123456789abcdeX';
const RUN_ID = 'test_20250102_030405_0123abcd';
const FAILING_ID = 'test_20250102_030405_deadbeef';

/** getRun and isHealthy are all these tests need; the health answer is switchable. */
function createFakeRuns(health: () => Promise<boolean>): RunService {
  return partialRunService({
    getRun: async (runId) => {
      if (runId === FAILING_ID) {
        throw new Error('boom');
      }
      if (runId !== RUN_ID) {
        throw new AppError('Run not found', { code: 'RUN_NOT_FOUND' });
      }
      return { runId, status: 'RUNNING', env: {} } as unknown as RunRecord;
    },
    isHealthy: health,
  });
}

let closeServer: (() => Promise<void>) | null = null;
let logLines: string[] = [];

async function startApp(options: { apiToken?: string; health?: () => Promise<boolean> }): Promise<string> {
  logLines = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const app = createApp({
    runs: createFakeRuns(options.health ?? (async () => true)),
    logger,
    apiToken: options.apiToken,
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closeServer = () =>
    new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await closeServer?.();
  closeServer = null;
});

function get(url: string, authorization?: string): Promise<Response> {
  return fetch(url, { headers: authorization === undefined ? {} : { authorization } });
}

describe('without a token', () => {
  it('serves every route openly', async () => {
    const baseUrl = await startApp({});
    expect((await get(`${baseUrl}/api/v1/runs/${RUN_ID}`)).status).toBe(200);
  });
});

describe('with a token', () => {
  it('leaves GET /healthz open', async () => {
    const baseUrl = await startApp({ apiToken: TOKEN });
    const response = await get(`${baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers a missing token 401 UNAUTHORIZED with WWW-Authenticate', async () => {
    const baseUrl = await startApp({ apiToken: TOKEN });
    for (const path of [`/api/v1/runs/${RUN_ID}`, '/api/v1/runs', '/api/v1', '/no-such-route']) {
      const response = await get(`${baseUrl}${path}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual({
        error: { code: 'UNAUTHORIZED', message: 'Missing bearer token' },
      });
    }
    expect((await fetch(`${baseUrl}/healthz`, { method: 'POST' })).status).toBe(401);
  });

  it.each([
    ['a wrong token of the same length', `Bearer ${WRONG_TOKEN_SAME_LENGTH}`],
    ['a shorter token', 'Bearer s3cret'],
    ['an empty bearer', 'Bearer '],
    ['another scheme', `Basic ${TOKEN}`],
    ['the bare token', TOKEN],
  ])('answers %s 401', async (_name, authorization) => {
    const baseUrl = await startApp({ apiToken: TOKEN });
    const response = await get(`${baseUrl}/api/v1/runs/${RUN_ID}`, authorization);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('accepts the right token, whatever the case of the scheme', async () => {
    const baseUrl = await startApp({ apiToken: TOKEN });
    expect((await get(`${baseUrl}/api/v1/runs/${RUN_ID}`, `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await get(`${baseUrl}/api/v1/runs/${RUN_ID}`, `bearer ${TOKEN}`)).status).toBe(200);
  });

  it('checks the token before reading a body', async () => {
    const baseUrl = await startApp({ apiToken: TOKEN });
    const response = await fetch(`${baseUrl}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"files": [',
    });
    expect(response.status).toBe(401);
  });

  it('never logs the token or the header', async () => {
    const baseUrl = await startApp({ apiToken: TOKEN });
    await get(`${baseUrl}/api/v1/runs/${FAILING_ID}`, `Bearer ${TOKEN}`);
    await get(`${baseUrl}/api/v1/runs/${RUN_ID}`, `Bearer ${WRONG_TOKEN_SAME_LENGTH}`);
    expect(logLines.length).toBeGreaterThan(0);
    const logged = logLines.join('\n');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(WRONG_TOKEN_SAME_LENGTH);
    expect(logged.toLowerCase()).not.toContain('authorization');
  });

  it('refuses an empty token at start-up rather than turning auth off', () => {
    expect(() =>
      createApp({ runs: createFakeRuns(async () => true), logger: pino({ level: 'silent' }), apiToken: '' }),
    ).toThrow(/apiToken/);
  });
});

describe('GET /healthz', () => {
  it.each<[string, () => Promise<boolean>, number, string]>([
    ['healthy', async () => true, 200, 'ok'],
    ['unhealthy', async () => false, 503, 'unavailable'],
    ['throwing', async () => Promise.reject(new Error('redis down')), 503, 'unavailable'],
  ])('answers a %s service', async (_name, health, status, text) => {
    const baseUrl = await startApp({ health });
    const response = await get(`${baseUrl}/healthz`);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ status: text });
  });
});
