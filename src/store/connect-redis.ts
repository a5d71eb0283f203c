import { Redis, type RedisOptions } from 'ioredis';

/** Connect to a `redis://` URL or a unix socket path. */
export function connectRedis(target: string, options: RedisOptions = {}): Redis {
  return target.includes('://') ? new Redis(target, options) : new Redis({ ...options, path: target });
}
