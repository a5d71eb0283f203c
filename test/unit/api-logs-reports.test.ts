import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/create-app.js';
import { AppError } from '../../src/errors.js';
import type { RunService } from '../../src/runs/run-service.types.js';
import { partialRunService } from '../setup/partial-run-service.js';

const RUN_ID = 'test_20250102_030405_0123abcd';
const EMPTY_RUN_ID = 'test_20250102_030405_00000000';
const NOT_READY_ID = 'test_20250102_030405_11111111';
const TRACE_ID = '0123456789abcdef0123456789abcdef';
const SILENT_TRACE_ID = 'f'.repeat(32);

let root: string;
let baseUrl: string;
let closeServer: () => Promise<void>;
let serviceCalls: string[] = [];

function requireReady(runId: string): void {
  if (runId === NOT_READY_ID) {
    throw new AppError('Report not ready', { code: 'REPORT_NOT_READY' });
  }
}

/** Serves real files from a temporary folder, as the real service does from logs/ and reports/. */
function createFakeRuns(): RunService {
  const runDir = (runId: string) => join(root, runId);
  return partialRunService({
    listLogs: async () => [{ traceId: TRACE_ID, testId: 't1', fullName: 'math adds', bytes: 12 }],
    runLogPath: async (runId) => join(runDir(runId), 'run.log'),
    testLogPath: async (runId, traceId) => {
      serviceCalls.push(`testLogPath ${traceId}`);
      if (traceId !== TRACE_ID && traceId !== SILENT_TRACE_ID) {
        throw new AppError('Log not found', { code: 'NOT_FOUND' });
      }
      return join(runDir(runId), `${traceId}.log`);
    },
    reportPath: async (runId, kind) => {
      requireReady(runId);
      return join(runDir(runId), kind === 'html' ? 'report.html' : 'junit.xml');
    },
    archiveEntries: async (runId) => {
      requireReady(runId);
      return [
        { path: join(runDir(runId), 'report.html'), name: 'report.html' },
        { path: join(runDir(runId), 'junit.xml'), name: 'junit.xml' },
        { path: join(runDir(runId), `${TRACE_ID}.log`), name: `logs/${TRACE_ID}.log` },
        { path: join(runDir(runId), 'gone.log'), name: 'logs/gone.log' },
      ];
    },
    isHealthy: async () => true,
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trc-api-'));
  await mkdir(join(root, RUN_ID));
  await writeFile(join(root, RUN_ID, 'run.log'), 'child output\n');
  await writeFile(join(root, RUN_ID, `${TRACE_ID}.log`), 'case output\n');
  await writeFile(join(root, RUN_ID, 'report.html'), '<html>report</html>');
  await writeFile(join(root, RUN_ID, 'junit.xml'), '<testsuites/>');
  const server = createApp({ runs: createFakeRuns(), logger: pino({ level: 'silent' }) }).listen(
    0,
    '127.0.0.1',
  );
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
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  serviceCalls = [];
});

/** A GET whose path is sent byte for byte (fetch would normalise dot segments). */
function getRaw(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('logs', () => {
  it('lists the logs with their URLs', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/logs`);
    expect(await response.json()).toEqual({
      runLog: `/api/v1/runs/${RUN_ID}/logs/run`,
      logs: [
        {
          traceId: TRACE_ID,
          testId: 't1',
          fullName: 'math adds',
          bytes: 12,
          url: `/api/v1/runs/${RUN_ID}/logs/${TRACE_ID}`,
        },
      ],
    });
  });

  it('serves the child log as text/plain, empty before it exists', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/logs/run`);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('child output\n');
    const empty = await fetch(`${baseUrl}/api/v1/runs/${EMPTY_RUN_ID}/logs/run`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
  });

  it('serves one case log, empty when the case wrote nothing', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/logs/${TRACE_ID}`);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('case output\n');
    expect(await (await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/logs/${SILENT_TRACE_ID}`)).text()).toBe('');
  });

  it('passes the service NOT_FOUND through for a well-formed unknown trace id', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/logs/${'a'.repeat(32)}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Log not found' } });
  });

  it.each([
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%5c..%5cwindows%5cwin.ini',
    TRACE_ID.toUpperCase(),
    TRACE_ID.slice(1),
    `${TRACE_ID}0`,
    `${TRACE_ID}%00`,
  ])('answers trace id %s 404 NOT_FOUND without asking the service', async (traceId) => {
    const { status, body } = await getRaw(`/api/v1/runs/${RUN_ID}/logs/${traceId}`);
    expect(status).toBe(404);
    expect(JSON.parse(body)).toEqual({ error: { code: 'NOT_FOUND', message: 'Log not found' } });
    expect(serviceCalls).toEqual([]);
  });

  it('never routes literal dot segments to a log', async () => {
    const { status, body } = await getRaw(`/api/v1/runs/${RUN_ID}/logs/../../../../etc/passwd`);
    expect(status).toBe(404);
    expect(body).not.toContain('root:');
    expect(serviceCalls).toEqual([]);
  });

  it('answers a malformed run id 404 RUN_NOT_FOUND', async () => {
    const { status, body } = await getRaw(`/api/v1/runs/..%2f..%2fetc/logs/run`);
    expect(status).toBe(404);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'RUN_NOT_FOUND' } });
  });
});

describe('reports', () => {
  it.each([
    ['report', 'text/html; charset=utf-8', `${RUN_ID}-report.html`, '<html>report</html>'],
    ['report/junit.xml', 'application/xml; charset=utf-8', `${RUN_ID}-junit.xml`, '<testsuites/>'],
  ])('serves %s as an attachment named after the run', async (path, contentType, fileName, content) => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${fileName}"`);
    expect(await response.text()).toBe(content);
  });

  it.each(['report', 'report/junit.xml', 'report/archive'])(
    'answers %s 404 REPORT_NOT_READY while not ready',
    async (path) => {
      const response = await fetch(`${baseUrl}/api/v1/runs/${NOT_READY_ID}/${path}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: 'REPORT_NOT_READY', message: 'Report not ready' },
      });
    },
  );

  it('answers REPORT_NOT_READY when the report file is gone', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${EMPTY_RUN_ID}/report`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('REPORT_NOT_READY');
  });

  it('streams a zip of the entries that exist', async () => {
    const response = await fetch(`${baseUrl}/api/v1/runs/${RUN_ID}/report/archive`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${RUN_ID}.zip"`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    const text = bytes.toString('latin1');
    for (const name of ['report.html', 'junit.xml', `logs/${TRACE_ID}.log`]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('logs/gone.log');

    const zipPath = join(root, 'archive.zip');
    await writeFile(zipPath, bytes);
    const listing = await promisify(execFile)('unzip', ['-l', zipPath]).catch(() => null);
    if (listing !== null) {
      expect(listing.stdout).toContain(`logs/${TRACE_ID}.log`);
      const { stdout } = await promisify(execFile)('unzip', ['-p', zipPath, 'report.html']);
      expect(stdout).toBe('<html>report</html>');
    }
  });
});
