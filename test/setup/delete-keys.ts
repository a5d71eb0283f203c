import type { Redis } from 'ioredis';

/** Remove every key a test wrote under its own prefix. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (found.length > 0) {
      await redis.del(...found);
    }
    cursor = next;
  } while (cursor !== '0');
}
