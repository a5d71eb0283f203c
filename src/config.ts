import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** pino's level names, `silent` included. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A project trc may run: a name used by the API and the folder its Vitest suite lives in. */
export interface ProjectConfig {
  /** Name clients pass as `project`; matches `^[A-Za-z0-9._-]+$`. */
  name: string;
  /** Absolute path of an existing folder: the Vitest child's working directory. */
  root: string;
  /**
   * node binary that runs this project's Vitest child (`TRC_PROJECT_NODE`, `name=path,...`).
   * Unset: the node running trc. Vitest 5 needs node ≥ 22.12.
   */
  nodePath?: string;
}

/** trc's validated configuration (DESIGN.md "Configuration"). Every path is absolute. */
export interface Config {
  /** Interface the HTTP server binds (`TRC_HOST`, default `127.0.0.1`). */
  host: string;
  /** TCP port of the HTTP server; `0` picks any free port (`TRC_PORT`, default `7070`). */
  port: number;
  /** Redis to use (`TRC_REDIS_URL`): a `redis://`/`rediss://` URL or a unix socket path. Unset: trc starts a private redis-server. */
  redisUrl?: string;
  /** redis-server binary for the private Redis (`TRC_REDIS_SERVER`): a path (made absolute) or a bare name looked up on PATH. Unset: `redis-server` on PATH. */
  redisServer?: string;
  /** Projects runs may target (`TRC_PROJECTS`, `name=path,...`, default `default=<cwd>`). Names are unique. */
  projects: ProjectConfig[];
  /** Where HTML and JUnit reports are written (`TRC_REPORTS_DIR`, default `./reports`). */
  reportsDir: string;
  /** Where the daemon log and per-run logs are written (`TRC_LOGS_DIR`, default `./logs`). */
  logsDir: string;
  /** trc's own state, including the private Redis data and socket (`TRC_DATA_DIR`, default `./.trc`). */
  dataDir: string;
  /** Runs executed at once by each worker (`TRC_CONCURRENCY`, integer ≥ 1, default 2). */
  concurrency: number;
  /** Reports of the newest N finished runs are kept (`TRC_KEEP_REPORTS`, integer ≥ 0, default 7). */
  keepReports: number;
  /** When set, every route but `/healthz` needs `Authorization: Bearer <token>` (`TRC_API_TOKEN`). Never log it. */
  apiToken?: string;
  /** pino level of the daemon log (`TRC_LOG_LEVEL`, default `info`). */
  logLevel: LogLevel;
  /** Prefix of every Redis key and BullMQ queue (`TRC_KEY_PREFIX`, default `trc`); lets tests and daemons share a Redis. */
  keyPrefix: string;
  /** Milliseconds between setting a run's stop flag and killing its Vitest child (`TRC_KILL_GRACE_MS`, default 2000). */
  killGraceMs: number;
  /**
   * Start the next run's Vitest launcher ahead of the run, so the run does not wait for node to
   * boot (`TRC_WARM_START`, `true` or `false`, default `true`; never on Windows).
   */
  warmStart: boolean;
}

/** A configuration value is invalid; the message names the variable, the problem and what is expected. */
export class ConfigError extends Error {
  /** The variables at fault, in the order reported. */
  readonly variables: string[];

  constructor(message: string, options: { variables: string[] }) {
    super(message);
    this.name = 'ConfigError';
    this.variables = options.variables;
  }
}

const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
const MAX_MS = 24 * 60 * 60 * 1000;
/** Variables whose value must never appear in an error message. */
const SECRET_VARIABLES = new Set(['TRC_API_TOKEN']);

function integerText(min: number, max: number, expected: string) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, expected)
    .transform(Number)
    .refine((n) => n >= min && n <= max, expected);
}

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'expected true or false (or 1 or 0)' }))
  .transform((value) => value === 'true' || value === '1');

function dirText(cwd: string) {
  return z.string().transform((value) => path.resolve(cwd, value));
}

const redisUrlText = z
  .string()
  .trim()
  .refine(
    (value) => /^rediss?:\/\/[^\s]+$/.test(value) || (path.isAbsolute(value) && !value.includes('://')),
    'expected a redis:// or rediss:// URL or an absolute unix socket path',
  )
  .refine((value) => !/^rediss?:/.test(value) || URL.canParse(value), 'expected a well-formed URL');

function redisServerText(cwd: string) {
  return z
    .string()
    .trim()
    .transform((value) => (/[\\/]/.test(value) ? path.resolve(cwd, value) : value));
}

function projectsText(cwd: string) {
  return z.string().transform((value, ctx): ProjectConfig[] => {
    const fail = (message: string): typeof z.NEVER => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const projects: ProjectConfig[] = [];
    for (const rawEntry of value.split(',')) {
      const entry = rawEntry.trim();
      const separator = entry.indexOf('=');
      if (separator < 0) {
        return fail(`entry "${entry}" is not name=path (expected name=path,name=path,...)`);
      }
      const name = entry.slice(0, separator).trim();
      const dir = entry.slice(separator + 1).trim();
      if (!NAME_PATTERN.test(name)) {
        return fail(`project name "${name}" must match ${NAME_PATTERN.source}`);
      }
      if (dir === '') {
        return fail(`project "${name}" has an empty path (expected name=path)`);
      }
      if (projects.some((project) => project.name === name)) {
        return fail(`project name "${name}" appears twice (expected unique names)`);
      }
      const root = path.resolve(cwd, dir);
      const problem = describeDirProblem(root);
      if (problem) {
        return fail(`path of project "${name}" ${problem} (expected an existing directory): ${root}`);
      }
      projects.push({ name, root });
    }
    return projects;
  });
}

/** `name=path,...` of node binaries; names are checked against the projects later. */
function projectNodesText(cwd: string) {
  return z.string().transform((value, ctx): Map<string, string> => {
    const fail = (message: string): typeof z.NEVER => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const nodes = new Map<string, string>();
    for (const rawEntry of value.split(',')) {
      const entry = rawEntry.trim();
      const separator = entry.indexOf('=');
      if (separator < 0) {
        return fail(`entry "${entry}" is not name=path (expected project=/path/to/node,...)`);
      }
      const name = entry.slice(0, separator).trim();
      const file = entry.slice(separator + 1).trim();
      if (file === '') {
        return fail(`project "${name}" has an empty node path (expected project=/path/to/node)`);
      }
      if (nodes.has(name)) {
        return fail(`project name "${name}" appears twice (expected one node per project)`);
      }
      const nodePath = path.resolve(cwd, file);
      if (!isFile(nodePath)) {
        return fail(
          `node of project "${name}" is not an existing file (expected a node binary): ${nodePath}`,
        );
      }
      nodes.set(name, nodePath);
    }
    return nodes;
  });
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function describeDirProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : 'is not a directory';
  } catch {
    return 'does not exist';
  }
}

function createEnvSchema(cwd: string) {
  return z.object({
    TRC_HOST: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:_-]+$/, 'expected a host name or an IP address such as 127.0.0.1 or ::')
      .default('127.0.0.1'),
    TRC_PORT: integerText(0, 65535, 'expected an integer 0–65535').default(7070),
    TRC_REDIS_URL: redisUrlText.optional(),
    TRC_REDIS_SERVER: redisServerText(cwd).optional(),
    TRC_PROJECTS: projectsText(cwd).default([{ name: 'default', root: cwd }]),
    TRC_PROJECT_NODE: projectNodesText(cwd).optional(),
    TRC_REPORTS_DIR: dirText(cwd).default(path.resolve(cwd, 'reports')),
    TRC_LOGS_DIR: dirText(cwd).default(path.resolve(cwd, 'logs')),
    TRC_DATA_DIR: dirText(cwd).default(path.resolve(cwd, '.trc')),
    TRC_CONCURRENCY: integerText(1, 1024, 'expected an integer 1–1024').default(2),
    TRC_KEEP_REPORTS: integerText(0, Number.MAX_SAFE_INTEGER, 'expected an integer ≥ 0').default(7),
    TRC_API_TOKEN: z
      .string()
      .regex(/^\S+$/, 'expected a non-empty token without spaces (unset the variable to turn auth off)')
      .optional(),
    TRC_LOG_LEVEL: z
      .string()
      .trim()
      .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }))
      .default('info'),
    TRC_KEY_PREFIX: z
      .string()
      .trim()
      .regex(NAME_PATTERN, `expected letters, digits, ".", "_" or "-" (${NAME_PATTERN.source})`)
      .default('trc'),
    TRC_KILL_GRACE_MS: integerText(0, MAX_MS, `expected an integer 0–${MAX_MS} (milliseconds)`).default(2000),
    TRC_WARM_START: booleanText.default(true),
  });
}

type EnvVariable = keyof z.infer<ReturnType<typeof createEnvSchema>>;

/** Empty values count as unset, except the API token: an empty token must not silently turn auth off. */
function pickVariables(env: NodeJS.ProcessEnv, names: readonly EnvVariable[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && (value !== '' || SECRET_VARIABLES.has(name))) {
      picked[name] = value;
    }
  }
  return picked;
}

function describeValue(name: string, raw: string | undefined): string {
  if (raw === undefined) {
    return 'it is unset';
  }
  if (SECRET_VARIABLES.has(name)) {
    return raw === '' ? 'got an empty value' : 'got a value that is not shown';
  }
  return `got ${JSON.stringify(raw.replace(/\/\/[^/@\s]*@/, '//***@'))}`;
}

/**
 * Reads trc's configuration from environment variables (the CLI passes its flags the same way).
 * Relative paths are resolved against `cwd`.
 * @throws {ConfigError} naming every variable with a bad value, one per line.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const base = path.resolve(cwd);
  const schema = createEnvSchema(base);
  const raw = pickVariables(env, schema.keyof().options);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const variables: string[] = [];
    const lines: string[] = [];
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      if (variables.includes(name)) {
        continue;
      }
      variables.push(name);
      lines.push(`${name}: ${issue.message}, ${describeValue(name, raw[name])}`);
    }
    throw new ConfigError(lines.join('\n'), { variables });
  }
  const values = parsed.data;
  const projects = attachProjectNodes(values.TRC_PROJECTS, values.TRC_PROJECT_NODE, raw.TRC_PROJECT_NODE);
  return {
    host: values.TRC_HOST,
    port: values.TRC_PORT,
    ...(values.TRC_REDIS_URL === undefined ? {} : { redisUrl: values.TRC_REDIS_URL }),
    ...(values.TRC_REDIS_SERVER === undefined ? {} : { redisServer: values.TRC_REDIS_SERVER }),
    projects,
    reportsDir: values.TRC_REPORTS_DIR,
    logsDir: values.TRC_LOGS_DIR,
    dataDir: values.TRC_DATA_DIR,
    concurrency: values.TRC_CONCURRENCY,
    keepReports: values.TRC_KEEP_REPORTS,
    ...(values.TRC_API_TOKEN === undefined ? {} : { apiToken: values.TRC_API_TOKEN }),
    logLevel: values.TRC_LOG_LEVEL,
    keyPrefix: values.TRC_KEY_PREFIX,
    killGraceMs: values.TRC_KILL_GRACE_MS,
    warmStart: values.TRC_WARM_START,
  };
}

function attachProjectNodes(
  projects: ProjectConfig[],
  nodes: Map<string, string> | undefined,
  raw: string | undefined,
): ProjectConfig[] {
  if (!nodes) {
    return projects;
  }
  const unknown = [...nodes.keys()].filter((name) => !projects.some((project) => project.name === name));
  if (unknown.length > 0) {
    const known = projects.map((project) => project.name).join(', ');
    throw new ConfigError(
      `TRC_PROJECT_NODE: project "${unknown[0]}" is not in TRC_PROJECTS (expected one of ${known}), ${describeValue('TRC_PROJECT_NODE', raw)}`,
      { variables: ['TRC_PROJECT_NODE'] },
    );
  }
  return projects.map((project) => {
    const nodePath = nodes.get(project.name);
    return nodePath === undefined ? project : { ...project, nodePath };
  });
}

/** Every environment variable {@link loadConfig} reads. */
export const CONFIG_VARIABLES: readonly EnvVariable[] = [
  'TRC_HOST',
  'TRC_PORT',
  'TRC_REDIS_URL',
  'TRC_REDIS_SERVER',
  'TRC_PROJECTS',
  'TRC_PROJECT_NODE',
  'TRC_REPORTS_DIR',
  'TRC_LOGS_DIR',
  'TRC_DATA_DIR',
  'TRC_CONCURRENCY',
  'TRC_KEEP_REPORTS',
  'TRC_API_TOKEN',
  'TRC_LOG_LEVEL',
  'TRC_KEY_PREFIX',
  'TRC_KILL_GRACE_MS',
  'TRC_WARM_START',
];
