import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { closeLogger, createLogger } from './logger.js';
import { RedisServerNotFoundError } from './redis/find-redis-server.js';

/** What the command line asked for: the command and the environment loadConfig should read. */
export interface CliInvocation {
  command: 'serve';
  /** The base environment with every given flag written over its variable. */
  env: NodeJS.ProcessEnv;
}

/** `serve` flags and the variables they set; `loadConfig` validates the values. */
const SERVE_FLAGS = [
  ['--host <host>', 'TRC_HOST', 'interface the HTTP server binds (default 127.0.0.1)'],
  ['--port <port>', 'TRC_PORT', 'HTTP port; 0 picks a free one (default 7070)'],
  [
    '--redis-url <url>',
    'TRC_REDIS_URL',
    'redis:// URL or socket path of a Redis to use (default: a private redis-server)',
  ],
  [
    '--redis-server <path>',
    'TRC_REDIS_SERVER',
    'redis-server binary for the private Redis (default: found on PATH)',
  ],
  ['--projects <list>', 'TRC_PROJECTS', 'projects as name=path,... (default default=<cwd>)'],
  [
    '--project-node <list>',
    'TRC_PROJECT_NODE',
    'node binary per project as name=/path/to/node,... (default: the node running trc)',
  ],
  ['--reports-dir <dir>', 'TRC_REPORTS_DIR', 'reports folder (default ./reports)'],
  ['--logs-dir <dir>', 'TRC_LOGS_DIR', 'logs folder (default ./logs)'],
  ['--data-dir <dir>', 'TRC_DATA_DIR', 'data folder, private Redis included (default ./.trc)'],
  ['--concurrency <n>', 'TRC_CONCURRENCY', 'runs at once per worker (default 2)'],
  ['--keep-reports <n>', 'TRC_KEEP_REPORTS', 'keep the reports of the newest N finished runs (default 7)'],
  [
    '--api-token <token>',
    'TRC_API_TOKEN',
    'require Authorization: Bearer <token> (prefer the variable: flags show in ps)',
  ],
  ['--log-level <level>', 'TRC_LOG_LEVEL', 'fatal, error, warn, info, debug, trace or silent (default info)'],
  ['--key-prefix <prefix>', 'TRC_KEY_PREFIX', 'prefix of every Redis key (default trc)'],
  ['--kill-grace-ms <ms>', 'TRC_KILL_GRACE_MS', 'time between a stop flag and a hard kill (default 2000)'],
  [
    '--warm-start <bool>',
    'TRC_WARM_START',
    "start the next run's Vitest launcher ahead of the run: true or false (default true)",
  ],
] as const;

/** Commander's key for a flag: `--redis-url <url>` → `redisUrl`. */
function toOptionKey(flags: string): string {
  const long = flags.split(' ')[0] ?? '';
  return long.slice(2).replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function readVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'trc' && manifest.version) {
        return manifest.version;
      }
    } catch {
      // No package.json here: keep climbing.
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return 'unknown';
    }
    dir = parent;
  }
}

/**
 * Parses trc's arguments (without `node` and the script) into a command and an environment: `env` with each
 * given flag's variable set, so flags win over the environment. Pure apart from commander printing help.
 * @throws {CommanderError} on `--help`, `--version`, a missing command or an unknown flag (after printing it).
 */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
  output?: OutputConfiguration,
): CliInvocation {
  let invocation: CliInvocation | undefined;
  const program = new Command('trc')
    .description('Test-run controller: start, pause, resume and cancel Vitest runs over HTTP')
    .version(readVersion())
    .exitOverride();
  if (output) {
    program.configureOutput(output);
  }
  const serve = program
    .command('serve')
    .description('run the daemon: HTTP API, worker and (without --redis-url) a private redis-server')
    .allowExcessArguments(false);
  for (const [flags, variable, description] of SERVE_FLAGS) {
    serve.option(flags, `${description} [${variable}]`);
  }
  serve.action((options: Record<string, string | undefined>) => {
    const merged: NodeJS.ProcessEnv = { ...env };
    for (const [flags, variable] of SERVE_FLAGS) {
      const value = options[toOptionKey(flags)];
      if (value !== undefined) {
        merged[variable] = value;
      }
    }
    invocation = { command: 'serve', env: merged };
  });
  program.parse([...argv], { from: 'user' });
  if (!invocation) {
    throw new CommanderError(1, 'trc.noCommand', 'no command given');
  }
  return invocation;
}

function printError(message: string): void {
  process.stderr.write(
    `${message
      .split('\n')
      .map((line) => `trc: ${line}`)
      .join('\n')}\n`,
  );
}

/**
 * Runs the command line: `serve` loads the configuration, creates the logger and calls `serve` from main.ts.
 * Configuration errors print `trc: <message>` and exit with code 2; a failed start logs, flushes and exits 1.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let invocation: CliInvocation;
  try {
    invocation = parseCli(argv, env);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
  let config;
  try {
    config = loadConfig(invocation.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      printError(error.message);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = await createLogger({ logsDir: config.logsDir, level: config.logLevel });
  try {
    const { serve } = await import('./main.js');
    await serve(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'trc serve failed');
    await closeLogger(logger);
    if (error instanceof RedisServerNotFoundError || error instanceof ConfigError) {
      printError(error.message);
    }
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}
