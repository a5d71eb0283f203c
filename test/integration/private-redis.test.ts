import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findRedisServer, startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis.js';
import { pingRedis } from '../../src/redis/ping-redis.js';
import { waitFor } from '../setup/wait-for.js';

const logger = pino({ level: 'silent' });
const root = mkdtempSync(path.join(os.tmpdir(), 'trc-private-redis-'));
const started: PrivateRedis[] = [];
const clients: Redis[] = [];

async function start(
  dataDir: string,
  extra: { redisServer?: string; startTimeoutMs?: number } = {},
): Promise<PrivateRedis> {
  const redis = await startPrivateRedis({ dataDir, logger, ...extra });
  started.push(redis);
  return redis;
}

function connect(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => undefined)));
  await Promise.all(started.splice(0).map((redis) => redis.stop()));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('startPrivateRedis', () => {
  it('keeps data across a stop and a start on the same folder (append-only file)', async () => {
    const dataDir = path.join(root, 'persist');
    const first = await start(dataDir);
    expect(first.url).toBe(path.join(dataDir, 'redis.sock'));
    expect(statSync(first.url).isSocket()).toBe(true);
    expect(statSync(first.url).mode & 0o777).toBe(0o700);
    const writer = connect(first.url);
    await writer.set('trc:persisted', 'still here');
    await writer.quit();
    await first.stop();
    expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
    expect(await pingRedis(first.url)).toBe(false);

    const second = await start(dataDir);
    expect(second.pid).not.toBe(first.pid);
    expect(await connect(second.url).get('trc:persisted')).toBe('still here');
  });

  it('makes stop idempotent', async () => {
    const redis = await start(path.join(root, 'idempotent'));
    const stopping = redis.stop();
    expect(redis.stop()).toBe(stopping);
    await stopping;
    expect(await pingRedis(redis.url)).toBe(false);
  });

  it('uses a short socket under the temp folder when the data folder path is long', async () => {
    const dataDir = path.join(root, 'a-rather-long-folder-name'.repeat(4), 'data');
    const redis = await start(dataDir);
    expect(Buffer.byteLength(path.join(dataDir, 'redis.sock'))).toBeGreaterThanOrEqual(100);
    expect(path.dirname(redis.url)).toBe(os.tmpdir());
    expect(Buffer.byteLength(redis.url)).toBeLessThan(100);
    expect(await connect(redis.url).ping()).toBe('PONG');
    expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
  });

  it('restarts redis-server after it dies unexpectedly', async () => {
    const redis = await start(path.join(root, 'supervised'));
    const client = connect(redis.url);
    await client.set('k', 'v');
    const firstPid = redis.pid;
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => redis.pid !== firstPid, { message: 'redis-server was not restarted' });
    await waitFor(() => pingRedis(redis.url), { message: 'restarted redis-server does not answer' });
    expect(await client.get('k')).toBe('v');
  });

  it('stops a redis-server left running by a trc that died, then starts its own', async () => {
    const dataDir = path.join(root, 'orphan');
    const orphan = await start(dataDir);
    // As if the owning trc had died: no owner recorded any more.
    rmSync(path.join(dataDir, 'redis', 'trc-owner.pid'));
    const orphanPid = orphan.pid;
    const fresh = await start(dataDir);
    expect(fresh.pid).not.toBe(orphanPid);
    expect(await connect(fresh.url).ping()).toBe('PONG');
  });

  it('refuses a data folder whose private Redis belongs to a running trc', async () => {
    const dataDir = path.join(root, 'shared');
    await start(dataDir);
    await expect(start(dataDir)).rejects.toThrow(/belongs to trc process \d+, which is still running/);
  });

  it('fails with the last lines of its output when redis-server exits at start', async () => {
    const fake = path.join(root, 'bin', 'broken-redis-server');
    mkdirSync(path.dirname(fake), { recursive: true });
    writeFileSync(fake, '#!/bin/sh\necho "FATAL CONFIG FILE ERROR: bad directive"\nexit 1\n');
    chmodSync(fake, 0o755);
    await expect(start(path.join(root, 'broken'), { redisServer: fake })).rejects.toThrow(
      /redis-server exited with code 1 before answering PING[\s\S]*FATAL CONFIG FILE ERROR: bad directive/,
    );
  });

  it('fails when redis-server never answers', async () => {
    const fake = path.join(root, 'bin', 'silent-redis-server');
    mkdirSync(path.dirname(fake), { recursive: true });
    writeFileSync(fake, '#!/bin/sh\necho "starting, sort of"\nexec sleep 60\n');
    chmodSync(fake, 0o755);
    await expect(
      start(path.join(root, 'silent'), { redisServer: fake, startTimeoutMs: 500 }),
    ).rejects.toThrow(/did not answer PING .* within 500 ms[\s\S]*starting, sort of/);
  });

  it('tells how to install redis-server when the binary is missing', async () => {
    await expect(
      start(path.join(root, 'missing'), { redisServer: path.join(root, 'no-such-redis-server') }),
    ).rejects.toThrow(
      /TRC_REDIS_SERVER: .*no-such-redis-server is not an executable file.*apt-get install redis-server.*TRC_REDIS_URL/,
    );
  });
});

describe('findRedisServer', () => {
  it('finds redis-server on PATH', () => {
    const found = findRedisServer({ PATH: process.env.PATH });
    expect(path.isAbsolute(found)).toBe(true);
    expect(path.basename(found)).toBe('redis-server');
  });

  it('explains how to get one when PATH has none', () => {
    const emptyDir = path.join(root, 'empty-path');
    mkdirSync(emptyDir, { recursive: true });
    expect(() => findRedisServer({ PATH: emptyDir })).toThrow(
      /none was found on PATH.*apt-get install redis-server.*TRC_REDIS_URL/,
    );
    expect(() => findRedisServer({ PATH: emptyDir, TRC_REDIS_SERVER: 'redis-server-7' })).toThrow(
      /TRC_REDIS_SERVER: "redis-server-7" was not found on PATH.*apt-get install redis-server/,
    );
  });
});
