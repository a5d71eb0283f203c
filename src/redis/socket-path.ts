import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Unix socket paths at or above this many bytes are refused by some systems (sun_path is 104–108 bytes). */
export const MAX_SOCKET_PATH_BYTES = 100;

/**
 * Picks the private Redis socket: `<dataDir>/redis.sock`, or, when that is too long for a unix socket,
 * `<tmpdir>/trc-<hash of dataDir>.sock` (stable for a given data folder).
 */
export function chooseSocketPath(dataDir: string): string {
  const preferred = path.join(dataDir, 'redis.sock');
  if (Buffer.byteLength(preferred) < MAX_SOCKET_PATH_BYTES) {
    return preferred;
  }
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `trc-${hash}.sock`);
}
