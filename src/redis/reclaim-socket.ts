import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { pingRedis, shutdownRedis } from './ping-redis.js';

function readOwnerPid(ownerFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(ownerFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes the private Redis socket free before a start. A redis-server still answering there was left by a
 * trc that died without stopping it (its owner process is gone): it is shut down, which flushes its AOF.
 * @throws when the trc process recorded in `ownerFile` is alive: two daemons must not share a data folder.
 */
export async function reclaimSocket(options: {
  socket: string;
  ownerFile: string;
  logger: Logger;
}): Promise<void> {
  const { socket, ownerFile, logger } = options;
  if (!(await pingRedis(socket))) {
    return;
  }
  const owner = readOwnerPid(ownerFile);
  if (owner !== undefined && isProcessAlive(owner)) {
    throw new Error(
      `The private Redis at ${socket} belongs to trc process ${owner}, which is still running: ` +
        'give this daemon its own TRC_DATA_DIR, or point both at one Redis with TRC_REDIS_URL',
    );
  }
  logger.warn({ socket }, 'stopping a private redis-server left running by an earlier trc');
  await shutdownRedis(socket);
  const deadline = Date.now() + 10_000;
  while (await pingRedis(socket)) {
    if (Date.now() > deadline) {
      throw new Error(`An earlier private redis-server at ${socket} did not stop within 10 s`);
    }
    await sleep(100);
  }
}

/** Records this process as the owner of the private Redis. */
export function writeOwner(ownerFile: string): void {
  writeFileSync(ownerFile, `${process.pid}\n`, { mode: 0o600 });
}

/** Forgets the owner record (after the private Redis stopped). */
export function removeOwner(ownerFile: string): void {
  rmSync(ownerFile, { force: true });
}
