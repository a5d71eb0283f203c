import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';

// Created at load time: the it.each tables below use it while tests are collected.
const cwd = mkdtempSync(path.join(os.tmpdir(), 'trc-config-'));

beforeAll(() => {
  mkdirSync(path.join(cwd, 'web'));
  mkdirSync(path.join(cwd, 'api'));
  writeFileSync(path.join(cwd, 'a-file'), '');
});

afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

/** The ConfigError thrown for `env`, or a failure when none is. */
function captureError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('fills every field from an empty environment, paths absolute against cwd', () => {
    const expected: Config = {
      host: '127.0.0.1',
      port: 7070,
      projects: [{ name: 'default', root: cwd }],
      reportsDir: path.join(cwd, 'reports'),
      logsDir: path.join(cwd, 'logs'),
      dataDir: path.join(cwd, '.trc'),
      concurrency: 2,
      keepReports: 7,
      logLevel: 'info',
      keyPrefix: 'trc',
      killGraceMs: 2000,
      warmStart: true,
    };
    expect(loadConfig({}, cwd)).toEqual(expected);
  });

  it('ignores unrelated variables and treats empty values as unset', () => {
    const config = loadConfig({ PATH: '/bin', TRC_PORT: '', TRC_REDIS_URL: '', TRC_PROJECTS: '' }, cwd);
    expect(config.port).toBe(7070);
    expect(config).not.toHaveProperty('redisUrl');
    expect(config.projects).toEqual([{ name: 'default', root: cwd }]);
  });

  it('resolves a relative cwd', () => {
    const relative = path.relative(process.cwd(), cwd);
    expect(loadConfig({}, relative).dataDir).toBe(path.join(cwd, '.trc'));
  });
});

describe('loadConfig valid values', () => {
  it.each<[string, string, Partial<Config>]>([
    ['TRC_HOST', '0.0.0.0', { host: '0.0.0.0' }],
    ['TRC_HOST', '::', { host: '::' }],
    ['TRC_HOST', 'localhost', { host: 'localhost' }],
    ['TRC_PORT', '0', { port: 0 }],
    ['TRC_PORT', '65535', { port: 65535 }],
    ['TRC_REDIS_URL', 'redis://127.0.0.1:6379/2', { redisUrl: 'redis://127.0.0.1:6379/2' }],
    [
      'TRC_REDIS_URL',
      'rediss://user:pw@redis.example:6380',
      { redisUrl: 'rediss://user:pw@redis.example:6380' },
    ],
    ['TRC_REDIS_URL', '/run/redis/redis.sock', { redisUrl: '/run/redis/redis.sock' }],
    ['TRC_REDIS_SERVER', 'redis-server', { redisServer: 'redis-server' }],
    ['TRC_REDIS_SERVER', './bin/redis-server', { redisServer: path.join(cwd, 'bin/redis-server') }],
    ['TRC_REPORTS_DIR', 'out/r', { reportsDir: path.join(cwd, 'out/r') }],
    ['TRC_LOGS_DIR', '/var/log/trc', { logsDir: '/var/log/trc' }],
    ['TRC_DATA_DIR', '../state', { dataDir: path.resolve(cwd, '../state') }],
    ['TRC_CONCURRENCY', '1', { concurrency: 1 }],
    ['TRC_CONCURRENCY', ' 8 ', { concurrency: 8 }],
    ['TRC_KEEP_REPORTS', '0', { keepReports: 0 }],
    ['TRC_API_TOKEN', 's3cret-token', { apiToken: 's3cret-token' }],
    ['TRC_LOG_LEVEL', 'debug', { logLevel: 'debug' }],
    ['TRC_LOG_LEVEL', 'silent', { logLevel: 'silent' }],
    ['TRC_KEY_PREFIX', 'trc-test_1.a', { keyPrefix: 'trc-test_1.a' }],
    ['TRC_KILL_GRACE_MS', '0', { killGraceMs: 0 }],
    ['TRC_KILL_GRACE_MS', '15000', { killGraceMs: 15000 }],
    ['TRC_WARM_START', 'false', { warmStart: false }],
    ['TRC_WARM_START', '0', { warmStart: false }],
    ['TRC_WARM_START', ' TRUE ', { warmStart: true }],
    ['TRC_WARM_START', '1', { warmStart: true }],
  ])('%s=%j', (name, value, expected) => {
    expect(loadConfig({ [name]: value }, cwd)).toMatchObject(expected);
  });
});

describe('loadConfig invalid values', () => {
  it.each<[string, string, RegExp]>([
    ['TRC_HOST', 'bad host', /expected a host name or an IP address/],
    ['TRC_PORT', 'abc', /expected an integer 0–65535, got "abc"/],
    ['TRC_PORT', '65536', /expected an integer 0–65535, got "65536"/],
    ['TRC_PORT', '-1', /expected an integer 0–65535/],
    ['TRC_PORT', '80.5', /expected an integer 0–65535/],
    [
      'TRC_REDIS_URL',
      'http://localhost:6379',
      /expected a redis:\/\/ or rediss:\/\/ URL or an absolute unix socket path/,
    ],
    ['TRC_REDIS_URL', 'localhost:6379', /expected a redis:\/\//],
    ['TRC_REDIS_URL', 'redis://[bad', /expected a well-formed URL/],
    ['TRC_CONCURRENCY', '0', /expected an integer 1–1024, got "0"/],
    ['TRC_CONCURRENCY', 'two', /expected an integer 1–1024/],
    ['TRC_KEEP_REPORTS', '-3', /expected an integer ≥ 0, got "-3"/],
    ['TRC_KEEP_REPORTS', '1e3', /expected an integer ≥ 0/],
    [
      'TRC_LOG_LEVEL',
      'verbose',
      /expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"/,
    ],
    ['TRC_KEY_PREFIX', 'trc:test', /expected letters, digits/],
    ['TRC_KEY_PREFIX', 'a b', /expected letters, digits/],
    ['TRC_KILL_GRACE_MS', 'soon', /expected an integer 0–86400000 \(milliseconds\)/],
    ['TRC_WARM_START', 'no', /expected true or false \(or 1 or 0\), got "no"/],
  ])('%s=%j is refused with a message naming the variable', (name, value, message) => {
    const error = captureError({ [name]: value });
    expect(error.message.startsWith(`${name}: `)).toBe(true);
    expect(error.message).toMatch(message);
    expect(error.variables).toEqual([name]);
  });

  it('refuses an empty or spaced API token without echoing it', () => {
    const empty = captureError({ TRC_API_TOKEN: '' });
    expect(empty.message).toMatch(/^TRC_API_TOKEN: expected a non-empty token/);
    const spaced = captureError({ TRC_API_TOKEN: 'my secret' });
    expect(spaced.message).toMatch(/^TRC_API_TOKEN: /);
    expect(spaced.message).not.toContain('my secret');
  });

  it('hides the password of a refused Redis URL', () => {
    const error = captureError({ TRC_REDIS_URL: 'http://user:hunter2@localhost' });
    expect(error.message).not.toContain('hunter2');
  });

  it('names every bad variable, one per line', () => {
    const error = captureError({ TRC_PORT: 'x', TRC_CONCURRENCY: '0', TRC_HOST: 'ok' });
    expect(error.variables).toEqual(['TRC_PORT', 'TRC_CONCURRENCY']);
    expect(error.message.split('\n')).toEqual([
      'TRC_PORT: expected an integer 0–65535, got "x"',
      'TRC_CONCURRENCY: expected an integer 1–1024, got "0"',
    ]);
  });
});

describe('TRC_PROJECTS', () => {
  it('parses name=path pairs, resolving paths against cwd', () => {
    const config = loadConfig({ TRC_PROJECTS: `web=web, api = ${path.join(cwd, 'api')} ,root=.` }, cwd);
    expect(config.projects).toEqual([
      { name: 'web', root: path.join(cwd, 'web') },
      { name: 'api', root: path.join(cwd, 'api') },
      { name: 'root', root: cwd },
    ]);
  });

  it('keeps "=" inside a path', () => {
    mkdirSync(path.join(cwd, 'x=y'), { recursive: true });
    expect(loadConfig({ TRC_PROJECTS: 'odd=x=y' }, cwd).projects).toEqual([
      { name: 'odd', root: path.join(cwd, 'x=y') },
    ]);
  });

  it.each<[string, RegExp]>([
    ['web', /entry "web" is not name=path/],
    ['web=web,,api=api', /entry "" is not name=path/],
    ['web=web,', /entry "" is not name=path/],
    ['=web', /project name "" must match/],
    ['my web=web', /project name "my web" must match/],
    ['web/x=web', /project name "web\/x" must match/],
    ['web=', /project "web" has an empty path/],
    ['web=web,web=api', /project name "web" appears twice/],
    ['gone=missing', /path of project "gone" does not exist \(expected an existing directory\)/],
    ['file=a-file', /path of project "file" is not a directory/],
  ])('refuses %j', (value, message) => {
    const error = captureError({ TRC_PROJECTS: value });
    expect(error.message).toMatch(/^TRC_PROJECTS: /);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`got ${JSON.stringify(value)}`);
  });
});

describe('TRC_PROJECT_NODE', () => {
  it('gives the named projects their own node binary, resolved against cwd; the others keep none', () => {
    const config = loadConfig({ TRC_PROJECTS: 'web=web,api=api', TRC_PROJECT_NODE: 'web = a-file' }, cwd);
    expect(config.projects).toEqual([
      { name: 'web', root: path.join(cwd, 'web'), nodePath: path.join(cwd, 'a-file') },
      { name: 'api', root: path.join(cwd, 'api') },
    ]);
    expect(config.projects[1]).not.toHaveProperty('nodePath');
  });

  it.each<[string, RegExp]>([
    ['web', /entry "web" is not name=path/],
    ['web=', /project "web" has an empty node path/],
    ['web=a-file,web=a-file', /project name "web" appears twice/],
    ['web=missing-node', /node of project "web" is not an existing file/],
    ['web=web', /node of project "web" is not an existing file/],
    ['other=a-file', /project "other" is not in TRC_PROJECTS \(expected one of web, api\)/],
  ])('refuses %j', (value, message) => {
    const error = captureError({ TRC_PROJECTS: 'web=web,api=api', TRC_PROJECT_NODE: value });
    expect(error.message).toMatch(/^TRC_PROJECT_NODE: /);
    expect(error.message).toMatch(message);
    expect(error.variables).toEqual(['TRC_PROJECT_NODE']);
  });
});
