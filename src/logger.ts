import type { EventEmitter } from 'node:events';
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pino, type Logger } from 'pino';

/** The sonic-boom stream pino-roll returns, as far as trc uses it. */
interface RollStream extends EventEmitter {
  readonly file: string;
  readonly destroyed: boolean;
  write(line: string): boolean;
  end(): void;
}
interface RollOptions {
  file: string;
  extension: string;
  size: string;
  frequency: 'daily';
  dateFormat: string;
  mkdir: boolean;
  limit: { count: number; removeOtherLogFiles: boolean };
}
// pino-roll ships no types: load it through require with its signature spelled out here.
const buildRollStream = createRequire(import.meta.url)('pino-roll') as (
  options: RollOptions,
) => Promise<RollStream>;

/** Name of the symlink in the logs folder that always points at the file being written. */
export const CURRENT_LOG_NAME = 'trc.log';

/** Paths that are censored in every log line, at any of these places. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'apiToken',
  '*.apiToken',
  'config.apiToken',
  'env.TRC_API_TOKEN',
  '*.env.TRC_API_TOKEN',
  'redisUrl',
  '*.redisUrl',
];

export interface CreateLoggerOptions {
  /** Folder of the rolled `trc.<date>.<n>.log` files and the `trc.log` link; created if missing. */
  logsDir: string;
  /** pino level name. */
  level: string;
  /** Also write every line to stdout (default true). */
  toStdout?: boolean;
}

const closers = new WeakMap<Logger, () => Promise<void>>();

/** Keeps the password out of a Redis URL and censors every other redacted value. */
function censor(value: unknown, keys: string[]): unknown {
  if (keys.at(-1) === 'redisUrl' && typeof value === 'string') {
    return value.replace(/\/\/([^:/@\s]*):[^/@\s]*@/, '//$1:***@');
  }
  return '[Redacted]';
}

/** Points `<logsDir>/trc.log` at the active file; best effort (Windows may refuse symlinks). */
function pointCurrentLog(logsDir: string, file: string): void {
  const link = path.join(logsDir, CURRENT_LOG_NAME);
  const temporary = `${link}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { force: true });
    symlinkSync(path.basename(file), temporary);
    renameSync(temporary, link);
  } catch {
    rmSync(temporary, { force: true });
  }
}

/**
 * Creates trc's one root logger: JSON lines to `<logsDir>/trc.<yyyy-MM-dd>.<n>.log`, rolled daily and at
 * 10 MB with the newest 10 files kept, and to stdout unless `toStdout` is false. `<logsDir>/trc.log` is a
 * symlink to the file being written. Secrets listed in {@link REDACTED_PATHS} never reach a line.
 * Call {@link closeLogger} on shutdown to flush.
 */
export async function createLogger(options: CreateLoggerOptions): Promise<Logger> {
  mkdirSync(options.logsDir, { recursive: true });
  const roll = await buildRollStream({
    file: path.join(options.logsDir, 'trc'),
    extension: '.log',
    size: '10m',
    frequency: 'daily',
    dateFormat: 'yyyy-MM-dd',
    mkdir: true,
    limit: { count: 9, removeOtherLogFiles: true },
  });
  pointCurrentLog(options.logsDir, roll.file);
  roll.on('ready', () => pointCurrentLog(options.logsDir, roll.file));
  roll.on('error', (error: Error) =>
    process.stderr.write(`trc: cannot write ${roll.file}: ${error.message}\n`),
  );

  // Lines logged after closeLogger are dropped instead of throwing "SonicBoom destroyed".
  let isClosed = false;
  const file: pino.DestinationStream = {
    write: (line: string) => {
      if (!isClosed) {
        roll.write(line);
      }
    },
  };
  const stdout = options.toStdout === false ? undefined : pino.destination({ dest: 1, sync: true });
  const streams: pino.StreamEntry[] = [{ level: 'trace', stream: file }];
  if (stdout) {
    streams.push({ level: 'trace', stream: stdout });
  }
  const logger = pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor },
    },
    pino.multistream(streams),
  );

  let closing: Promise<void> | undefined;
  closers.set(logger, () => {
    closing ??= new Promise<void>((resolve) => {
      isClosed = true;
      stdout?.flushSync();
      if (roll.destroyed) {
        resolve();
        return;
      }
      roll.once('close', () => resolve());
      roll.once('error', () => resolve());
      roll.end();
    });
    return closing;
  });
  return logger;
}

/**
 * Flushes and closes the files of a logger made by {@link createLogger}; later lines are dropped.
 * Safe to call twice: the second call returns the first call's promise.
 */
export async function closeLogger(logger: Logger): Promise<void> {
  const close = closers.get(logger);
  if (close) {
    await close();
  } else {
    logger.flush();
  }
}
