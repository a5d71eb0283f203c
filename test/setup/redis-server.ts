import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { TestProject } from 'vitest/node';
import { findRedisServer } from '../../src/redis/find-redis-server.js';
import { pingRedis } from '../../src/redis/ping-redis.js';
import { waitFor } from './wait-for.js';

/** Asks the OS for a free TCP port on 127.0.0.1 (free now; taken again by the next listener). */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('could not find a free port');
  }
  return address.port;
}

async function startRedis(binary: string, dir: string): Promise<{ url: string; subprocess: ResultPromise }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    const subprocess = execa(
      binary,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
      ],
      { reject: false, stdin: 'ignore', all: true },
    );
    const url = `redis://127.0.0.1:${port}`;
    let isRunning = true;
    void subprocess.then(() => {
      isRunning = false;
    });
    try {
      await waitFor(async () => (isRunning ? pingRedis(url) : Promise.reject(new Error('exited'))), {
        timeoutMs: 10_000,
        message: `test redis-server on port ${port} did not answer PING`,
      });
      return { url, subprocess };
    } catch (error) {
      subprocess.kill('SIGKILL');
      const result = await subprocess;
      lastError = new Error(`${(error as Error).message}\n${String(result.all ?? '')}`);
    }
  }
  throw lastError;
}

/**
 * Vitest global setup: one throwaway redis-server (TCP on 127.0.0.1, no persistence) for the whole suite,
 * handed to tests as `inject('redisUrl')`. Tests isolate themselves with a random key prefix.
 * With TRC_TEST_REDIS_URL set, that Redis is used instead and nothing is started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TRC_TEST_REDIS_URL;
  if (external) {
    project.provide('redisUrl', external);
    return async () => undefined;
  }
  const binary = findRedisServer(process.env);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'trc-test-redis-'));
  const { url, subprocess } = await startRedis(binary, dir).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  project.provide('redisUrl', url);
  return async () => {
    subprocess.kill('SIGTERM');
    await subprocess;
    await rm(dir, { recursive: true, force: true });
  };
}
