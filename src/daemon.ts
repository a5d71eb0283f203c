import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createApp } from './api/create-app.js';
import type { Config } from './config.js';
import { RunQueue } from './queue/run-queue.js';
import { StandbyPool } from './runner/standby-pool.js';
import { stopProcessTree, isProcessAlive } from './runner/stop-process-tree.js';
import { finalizeRun } from './runs/finalize-run.js';
import { RunExecutor } from './runs/run-executor.js';
import { RunPaths } from './runs/run-paths.js';
import { DefaultRunService } from './runs/run-service.js';
import { connectRedis } from './store/connect-redis.js';
import { ControlBus } from './store/control-bus.js';
import { createKeys } from './store/keys.js';
import { RunStore } from './store/run-store.js';

/** The compiled launcher, also when this module runs from source (tests). */
function findLauncher(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return path.join(dir, 'dist', 'runner-plugin', 'launcher.js');
}

const LAUNCHER_PATH = findLauncher();

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** The Redis to use (TRC_REDIS_URL or the private redis-server's socket). */
  redisUrl: string;
  /** Take runs from the queue in this process (default true). */
  runWorker?: boolean;
}

export interface Daemon {
  /** Base URL the HTTP server listens on. */
  url: string;
  server: Server;
  service: DefaultRunService;
  /** Stop the daemon: no new runs, running ones cancelled (reports written), connections closed. */
  close(): Promise<void>;
}

/** Wire trc together (Redis → store → queue → service → HTTP) and listen. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, logger } = options;
  const keys = createKeys(config.keyPrefix);
  const redis = connectRedis(options.redisUrl);
  const subscriber = connectRedis(options.redisUrl);
  const bullConnection = connectRedis(options.redisUrl, { maxRetriesPerRequest: null });
  for (const client of [redis, subscriber, bullConnection]) {
    client.on('error', (err) => logger.error({ err }, 'redis connection error'));
  }
  const store = new RunStore(redis, keys);
  const bus = new ControlBus(subscriber, keys);
  await bus.start();
  const paths = new RunPaths(config);
  const projects = new Map(config.projects.map((project) => [project.name, project.root]));
  const owner = `${os.hostname()}:${process.pid}`;
  const finalizeDeps = { store, paths, logger, keepReports: config.keepReports };
  const standbys =
    config.warmStart && process.platform !== 'win32'
      ? new StandbyPool({
          launcherPath: LAUNCHER_PATH,
          dir: paths.standbyDir(),
          baseEnv: process.env,
          platform: process.platform,
          logger,
        })
      : undefined;
  const executor = new RunExecutor({
    ...finalizeDeps,
    bus,
    projects,
    nodePath: process.execPath,
    projectNodes: new Map(
      config.projects.flatMap((project) =>
        project.nodePath ? [[project.name, project.nodePath] as const] : [],
      ),
    ),
    launcherPath: LAUNCHER_PATH,
    platform: process.platform,
    killGraceMs: config.killGraceMs,
    owner,
    standbys,
  });
  const queue = new RunQueue({
    connection: bullConnection,
    prefix: keys.bullPrefix(),
    concurrency: config.concurrency,
    logger,
    execute: (runId) => executor.execute(runId),
  });
  const service = new DefaultRunService({
    ...finalizeDeps,
    bus,
    queue,
    projects,
    platform: process.platform,
  });
  await recoverOrphans({ store, finalizeDeps, logger });
  if (options.runWorker ?? true) {
    queue.startWorker();
  }

  const app = createApp({ runs: service, logger, apiToken: config.apiToken });
  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, projects: config.projects }, `trc listening on ${url}`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      const workerStopped = queue.stopWorker();
      await standbys?.close();
      await executor.stopAll('cancelled: the trc daemon stopped');
      await workerStopped;
      await queue.close();
      server.closeAllConnections();
      await serverClosed;
      await bus.close();
      await Promise.allSettled([redis.quit(), bullConnection.quit()]);
    })();
    return closing;
  };
  return { url, server, service, close };
}

/**
 * Runs a previous daemon on this host left RUNNING or PAUSED when it died: stop their
 * children and end them FAILED with reports of what had run.
 */
async function recoverOrphans(deps: {
  store: RunStore;
  finalizeDeps: Parameters<typeof finalizeRun>[0];
  logger: Logger;
}): Promise<void> {
  const host = os.hostname();
  for (const status of ['RUNNING', 'PAUSED'] as const) {
    const rows = await deps.store.listRunIds({ status, limit: 10_000 });
    for (const { runId } of rows) {
      const owner = await deps.store.getOwner(runId);
      if (!owner) {
        continue;
      }
      const [ownerHost, ownerPid] = owner.split(':');
      if (ownerHost !== host || isProcessAlive(Number(ownerPid))) {
        continue;
      }
      const run = await deps.store.getRun(runId);
      if (run?.pid) {
        await stopProcessTree(run.pid);
      }
      deps.logger.warn({ runId }, 'run was left running by a daemon that died; ending it');
      await finalizeRun(deps.finalizeDeps, runId, { exitCode: null, signal: null, stoppedBy: 'daemon-lost' });
    }
  }
}
