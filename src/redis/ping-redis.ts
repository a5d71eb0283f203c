import { Redis } from 'ioredis';

/** A connection for one probe: no retries, no offline queue, errors reported by the command only. */
function connectOnce(target: string, timeoutMs: number): Redis {
  const client = new Redis(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  client.on('error', () => undefined);
  return client;
}

/**
 * Asks the Redis at `target` (a unix socket path or a redis:// URL) for PING once.
 * @returns true when it answered PONG (a loading or refusing server gives false).
 */
export async function pingRedis(target: string, timeoutMs = 1000): Promise<boolean> {
  const client = connectOnce(target, timeoutMs);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Sends SHUTDOWN (which flushes the AOF) to the Redis at `target`; the closed connection is expected. */
export async function shutdownRedis(target: string, timeoutMs = 5000): Promise<void> {
  const client = connectOnce(target, timeoutMs);
  try {
    await client.connect();
    await client.shutdown();
  } catch {
    // The server closes the connection instead of answering.
  } finally {
    client.disconnect();
  }
}
