import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

const INSTALL_HINT =
  'Install Redis (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`; ' +
  'other systems: their `redis` package), set TRC_REDIS_SERVER to the redis-server binary, ' +
  'or set TRC_REDIS_URL to use a Redis you run yourself.';

/** No usable redis-server binary; the message says how to install one or set TRC_REDIS_URL. */
export class RedisServerNotFoundError extends Error {
  constructor(problem: string) {
    super(`${problem}. ${INSTALL_HINT}`);
    this.name = 'RedisServerNotFoundError';
  }
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) {
      return false;
    }
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') {
      continue;
    }
    for (const extension of extensions) {
      const candidate = path.resolve(dir, name + extension);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * Finds the redis-server binary: `env.TRC_REDIS_SERVER` when set (a path, resolved against `cwd`, or a bare
 * name looked up on `env.PATH`), else `redis-server` on `env.PATH`. An explicit but unusable
 * TRC_REDIS_SERVER is an error, not a reason to fall back to PATH.
 * @returns the absolute path of an executable file.
 * @throws {RedisServerNotFoundError} with install instructions.
 */
export function findRedisServer(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const explicit = env.TRC_REDIS_SERVER?.trim();
  if (explicit) {
    if (/[\\/]/.test(explicit)) {
      const file = path.resolve(cwd, explicit);
      if (isExecutableFile(file)) {
        return file;
      }
      throw new RedisServerNotFoundError(`TRC_REDIS_SERVER: ${file} is not an executable file`);
    }
    const found = searchPath(explicit, env);
    if (found) {
      return found;
    }
    throw new RedisServerNotFoundError(`TRC_REDIS_SERVER: "${explicit}" was not found on PATH`);
  }
  const found = searchPath('redis-server', env);
  if (found) {
    return found;
  }
  throw new RedisServerNotFoundError(
    'No Redis: TRC_REDIS_URL is unset, so trc starts its own redis-server, but none was found on PATH',
  );
}
