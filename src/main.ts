import type { Logger } from 'pino';
import type { Config } from './config.js';
import { startDaemon } from './daemon.js';
import { closeLogger } from './logger.js';
import { startPrivateRedis, type PrivateRedis } from './redis/private-redis.js';

/**
 * `trc serve`: Redis (TRC_REDIS_URL, else a private supervised redis-server), then the daemon.
 * SIGTERM or SIGINT stops it cleanly: running runs are cancelled with complete reports, queued
 * runs stay queued for the next start, and the private Redis flushes its append-only file.
 */
export async function serve(config: Config, logger: Logger): Promise<void> {
  let privateRedis: PrivateRedis | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (why: string, exitCode: number): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ why }, 'trc stopping');
      await daemon?.close().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
      await privateRedis?.stop();
      logger.info('trc stopped');
      await closeLogger(logger);
      process.exit(exitCode);
    })();
    return stopping;
  };
  if (!config.redisUrl) {
    privateRedis = await startPrivateRedis({
      dataDir: config.dataDir,
      redisServer: config.redisServer,
      logger,
      onGiveUp: (err) => {
        logger.fatal({ err }, 'the private redis-server keeps dying');
        void stop('redis-server keeps dying', 1);
      },
    });
  }
  let daemon: Awaited<ReturnType<typeof startDaemon>> | null = null;
  daemon = await startDaemon({
    config,
    logger,
    redisUrl: config.redisUrl ?? (privateRedis as PrivateRedis).url,
  });
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));
}
