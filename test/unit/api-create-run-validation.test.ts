import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/create-app.js';
import type { RunRecord, RunRequest } from '../../src/runs/model.js';
import { partialRunService } from '../setup/partial-run-service.js';

const requests: RunRequest[] = [];

/** Only createRun matters here: it records what the HTTP layer handed over. */
const fakeRuns = partialRunService({
  createRun: async (request) => {
    requests.push(request);
    return { ...request, runId: 'test_20250102_030405_0123abcd' } as RunRecord;
  },
  isHealthy: async () => true,
});

let baseUrl: string;
let closeServer: () => Promise<void>;

beforeAll(async () => {
  const server = createApp({ runs: fakeRuns, logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeServer = () =>
    new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
});

afterAll(async () => {
  await closeServer();
});

beforeEach(() => {
  requests.length = 0;
});

interface ErrorBody {
  error: { code: string; message: string; details: Array<{ path: string; message: string }> };
}

async function postRun(body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${baseUrl}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

const labels51 = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v']));

describe('POST /api/v1/runs validation', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['an unknown key', { project: 'x', colour: 'red' }, 'colour', /unknown field/],
    ['a body that is an array', [], '', /expected object/],
    ['project of the wrong type', { project: 1 }, 'project', /expected string/],
    ['an empty project', { project: '' }, 'project', /empty/],
    ['files as a string', { files: 'a.test.ts' }, 'files', /expected array/],
    ['a non-string file', { files: [1] }, 'files[0]', /expected string/],
    ['an empty file', { files: [''] }, 'files[0]', /empty/],
    ['a file over 4096 characters', { files: ['a'.repeat(4097)] }, 'files[0]', /4096/],
    ['a posix absolute path', { files: ['ok.ts', '/etc/passwd'] }, 'files[1]', /absolute/],
    ['a windows drive path', { files: ['C:\\x\\a.test.ts'] }, 'files[0]', /absolute/],
    ['a windows drive path with slashes', { files: ['c:/x'] }, 'files[0]', /absolute/],
    ['a UNC path', { files: ['\\\\server\\share\\a.ts'] }, 'files[0]', /absolute/],
    ['a ../.. escape', { files: ['../../etc/passwd'] }, 'files[0]', /project root/],
    ['a bare ..', { files: ['..'] }, 'files[0]', /project root/],
    ['a/../../b', { files: ['a/../../b'] }, 'files[0]', /project root/],
    ['a backslash escape', { files: ['a\\..\\..\\b'] }, 'files[0]', /project root/],
    ['a NUL byte', { files: ['a\u0000.ts'] }, 'files[0]', /NUL/],
    [
      'a testNamePattern that is no RegExp',
      { testNamePattern: 'login (' },
      'testNamePattern',
      /regular expression/,
    ],
    [
      'a testNamePattern over 1000 characters',
      { testNamePattern: 'a'.repeat(1001) },
      'testNamePattern',
      /1000/,
    ],
    ['a testNamePattern of the wrong type', { testNamePattern: 5 }, 'testNamePattern', /expected string/],
    ['a vitestProject of the wrong type', { vitestProject: ['e2e'] }, 'vitestProject', /expected string/],
    ['env that is an array', { env: ['A=1'] }, 'env', /object/],
    ['a lowercase env name', { env: { path: '/x' } }, 'env.path', /must match/],
    ['an env name starting with a digit', { env: { '1A': 'x' } }, 'env.1A', /must match/],
    ['a TRC_ env name', { env: { TRC_API_TOKEN: 'x' } }, 'env.TRC_API_TOKEN', /reserved/],
    ['a __proto__ env name', JSON.parse('{"env":{"__proto__":"x"}}'), 'env.__proto__', /must match/],
    ['a non-string env value', { env: { A: 1 } }, 'env.A', /must be a string/],
    ['an env value over 32 KiB', { env: { A: 'x'.repeat(32 * 1024 + 1) } }, 'env.A', /32768 bytes/],
    ['timeoutMs below 1000', { timeoutMs: 999 }, 'timeoutMs', /1000/],
    ['timeoutMs over 7 days', { timeoutMs: 7 * 24 * 3600 * 1000 + 1 }, 'timeoutMs', /604800000/],
    ['a fractional timeoutMs', { timeoutMs: 1500.5 }, 'timeoutMs', /int/],
    ['timeoutMs as a string', { timeoutMs: '5000' }, 'timeoutMs', /expected number/],
    ['showConsole as a string', { showConsole: 'yes' }, 'showConsole', /expected boolean/],
    ['more than 50 labels', { labels: labels51 }, 'labels', /at most 50/],
    [
      'a label key over 100 characters',
      { labels: { ['k'.repeat(101)]: 'v' } },
      `labels.${'k'.repeat(101)}`,
      /100/,
    ],
    ['a label value over 1000 characters', { labels: { k: 'v'.repeat(1001) } }, 'labels.k', /1000/],
    ['a __proto__ label key', JSON.parse('{"labels":{"__proto__":"v"}}'), 'labels.__proto__', /not allowed/],
    ['a non-string label value', { labels: { k: true } }, 'labels.k', /must be a string/],
  ])('refuses %s with 400 naming the field', async (_name, body, path, message) => {
    const { status, json } = await postRun(body);
    expect(status).toBe(400);
    const { error } = json as ErrorBody;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(error.message).toMatch(/^Invalid request body: /);
    expect(error.message).toContain(path);
    expect(requests).toEqual([]);
  });

  it('refuses a JSON body that is not an object or array as malformed', async () => {
    const { status, json } = await postRun(null);
    expect(status).toBe(400);
    expect((json as ErrorBody).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/malformed JSON/),
    });
  });

  it('names every offending field at once', async () => {
    const { json } = await postRun({ files: ['/a'], env: { TRC_X: '1' }, extra: 1 });
    const paths = (json as ErrorBody).error.details.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['files[0]', 'extra']));
  });

  it.each<[string, unknown]>([
    ['a relative .. that stays inside', { files: ['a/../b.test.ts', './c/d.ts'] }],
    ['globs', { files: ['src/**/*.{test,spec}.ts'] }],
    ['null for optional fields', { testNamePattern: null, vitestProject: null, timeoutMs: null }],
    [
      'the limits themselves',
      {
        timeoutMs: 7 * 24 * 3600 * 1000,
        env: { A: 'x'.repeat(32 * 1024) },
        labels: { k: 'v'.repeat(1000), ['k'.repeat(100)]: 'v' },
      },
    ],
    ['50 labels', { labels: Object.fromEntries(Object.entries(labels51).slice(1)) }],
    ['a RegExp with groups and escapes', { testNamePattern: '^(login|logout) \\w+$' }],
  ])('accepts %s', async (_name, body) => {
    const { status } = await postRun(body);
    expect(status).toBe(202);
    expect(requests).toHaveLength(1);
  });
});
