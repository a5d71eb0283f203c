import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Logger } from 'pino';
import { findRedisServer } from './find-redis-server.js';
import { pingRedis } from './ping-redis.js';
import { reclaimSocket, removeOwner, writeOwner } from './reclaim-socket.js';
import { followRedisOutput, formatTail, type OutputTail } from './redis-output.js';
import { chooseSocketPath } from './socket-path.js';

export { findRedisServer, RedisServerNotFoundError } from './find-redis-server.js';

/** A running private redis-server, restarted by trc if it dies. */
export interface PrivateRedis {
  /** Where clients connect: the unix socket path, accepted as is by `new Redis(url)`. */
  readonly url: string;
  /** Process id of the current redis-server (changes after a restart). */
  readonly pid: number;
  /** Shuts Redis down (SIGTERM: the AOF is flushed) and waits for it to exit; a second call returns the same promise. */
  stop(): Promise<void>;
}

export interface StartPrivateRedisOptions {
  /** trc's data folder: Redis keeps its files in `<dataDir>/redis` and its socket at `<dataDir>/redis.sock`. */
  dataDir: string;
  /** `TRC_REDIS_SERVER` (a path or a name on PATH); unset: `redis-server` on PATH. */
  redisServer?: string;
  logger: Logger;
  /** How long a start may take before it fails (default 10 000 ms). */
  startTimeoutMs?: number;
  /** Restarts allowed within a minute before supervision gives up (default 5). */
  maxRestarts?: number;
  /** Called once when Redis keeps dying and is no longer restarted; the daemon should shut down. */
  onGiveUp?: (error: Error) => void;
}

/** How a redis-server process ended; `error` when it could not be spawned at all. */
interface Exit {
  exitCode?: number;
  signal?: string;
  error?: string;
}

/** One redis-server process. */
interface Instance {
  readonly pid: number;
  readonly tail: OutputTail;
  readonly exited: Promise<Exit>;
  isRunning: boolean;
  kill(signal: NodeJS.Signals): void;
}

const RESTART_WINDOW_MS = 60_000;
const BACKOFF_MS = [250, 1000, 2000, 4000, 8000];
const STOP_TIMEOUT_MS = 15_000;

function buildArgs(socket: string, redisDir: string): string[] {
  return [
    ...['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700'],
    ...['--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    ...['--daemonize', 'no', '--logfile', '', '--loglevel', 'notice'],
  ];
}

function spawnRedis(binary: string, args: string[], logger: Logger): Instance {
  const subprocess = execa(binary, args, {
    reject: false,
    buffer: false,
    all: true,
    stdin: 'ignore',
    // Its own process group: a Ctrl+C on the terminal must not stop Redis before trc has shut down.
    detached: process.platform !== 'win32',
  });
  const tail = followRedisOutput(subprocess.all, logger);
  const instance: Instance = {
    pid: subprocess.pid ?? 0,
    tail,
    isRunning: true,
    exited: subprocess.then(async (result): Promise<Exit> => {
      instance.isRunning = false;
      await Promise.race([tail.ended, sleep(1000)]);
      if (result.exitCode === undefined && result.signal === undefined) {
        return { error: result.shortMessage };
      }
      return { exitCode: result.exitCode, signal: result.signal };
    }),
    kill: (signal) => {
      subprocess.kill(signal);
    },
  };
  return instance;
}

function describeExit(exit: Exit): string {
  if (exit.signal) {
    return `was killed by ${exit.signal}`;
  }
  return exit.exitCode === undefined
    ? `could not be started (${exit.error})`
    : `exited with code ${exit.exitCode}`;
}

/** Resolves when the instance answers PING; throws with its last output if it exits or times out first. */
async function waitUntilReady(instance: Instance, socket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (instance.isRunning) {
    if (await pingRedis(socket, 500)) {
      return;
    }
    if (Date.now() > deadline) {
      instance.kill('SIGKILL');
      await instance.exited;
      throw new Error(
        `redis-server did not answer PING on ${socket} within ${timeoutMs} ms. Last output:\n${formatTail(instance.tail)}`,
      );
    }
    await sleep(50);
  }
  const exit = await instance.exited;
  throw new Error(
    `redis-server ${describeExit(exit)} before answering PING. Last output:\n${formatTail(instance.tail)}`,
  );
}

/**
 * Starts trc's private redis-server (DESIGN.md): data in `<dataDir>/redis` with append-only persistence, no TCP
 * port, a unix socket with mode 700 (under the system temp folder when `<dataDir>/redis.sock` would be too long).
 * It is supervised: an unexpected exit is logged and followed by a restart with backoff.
 * @throws {RedisServerNotFoundError} when no binary is found; an Error with redis-server's last lines when it
 * does not answer PING within `startTimeoutMs`.
 */
export async function startPrivateRedis(options: StartPrivateRedisOptions): Promise<PrivateRedis> {
  const { logger } = options;
  const binary = findRedisServer({ TRC_REDIS_SERVER: options.redisServer, PATH: process.env.PATH });
  const dataDir = path.resolve(options.dataDir);
  const redisDir = path.join(dataDir, 'redis');
  mkdirSync(redisDir, { recursive: true, mode: 0o700 });
  const socket = chooseSocketPath(dataDir);
  const ownerFile = path.join(redisDir, 'trc-owner.pid');
  const args = buildArgs(socket, redisDir);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const maxRestarts = options.maxRestarts ?? 5;

  await reclaimSocket({ socket, ownerFile, logger });

  let current = spawnRedis(binary, args, logger);
  let isStopping = false;
  const stopController = new AbortController();
  // A redis-server in its own process group outlives a crashed trc unless it is killed on the way out.
  const killOnExit = (): void => current.kill('SIGTERM');
  process.on('exit', killOnExit);

  try {
    await waitUntilReady(current, socket, startTimeoutMs);
  } catch (error) {
    process.off('exit', killOnExit);
    throw error;
  }
  writeOwner(ownerFile);
  logger.info({ redisPid: current.pid, socket, dir: redisDir, binary }, 'private redis-server ready');

  const restartTimes: number[] = [];
  async function supervise(): Promise<void> {
    for (;;) {
      const exit = await current.exited;
      if (isStopping) {
        return;
      }
      const now = Date.now();
      const recent = restartTimes.filter((time) => now - time < RESTART_WINDOW_MS);
      restartTimes.splice(0, restartTimes.length, ...recent, now);
      logger.error(
        { redisPid: current.pid, exit, output: current.tail.lines() },
        `private redis-server ${describeExit(exit)} unexpectedly`,
      );
      if (recent.length >= maxRestarts) {
        const error = new Error(
          `private redis-server died ${recent.length + 1} times within a minute; giving up`,
        );
        logger.fatal({ err: error }, 'private redis-server is not restarted again');
        options.onGiveUp?.(error);
        return;
      }
      const delay = BACKOFF_MS[Math.min(recent.length, BACKOFF_MS.length - 1)] ?? 1000;
      try {
        await sleep(delay, undefined, { signal: stopController.signal });
      } catch {
        return;
      }
      current = spawnRedis(binary, args, logger);
      try {
        await waitUntilReady(current, socket, startTimeoutMs);
        logger.warn(
          { redisPid: current.pid, restarts: restartTimes.length },
          'private redis-server restarted',
        );
      } catch (error) {
        if (!isStopping) {
          logger.error({ err: error }, 'private redis-server failed to restart');
        }
      }
    }
  }
  void supervise();

  let stopping: Promise<void> | undefined;
  async function stopRedis(): Promise<void> {
    isStopping = true;
    stopController.abort();
    const instance = current;
    if (instance.isRunning) {
      instance.kill('SIGTERM');
      const timer = setTimeout(() => instance.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await instance.exited;
      clearTimeout(timer);
    }
    process.off('exit', killOnExit);
    removeOwner(ownerFile);
    logger.info({ redisPid: instance.pid }, 'private redis-server stopped');
  }

  return {
    url: socket,
    get pid() {
      return current.pid;
    },
    stop: () => {
      stopping ??= stopRedis();
      return stopping;
    },
  };
}
