import { describe, expect, it } from 'vitest';
import { CHILD_ENV, type ChildConfig } from '../../src/runner/env-contract.js';
import {
  planRunEnv,
  planSpawn,
  planStandby,
  planStandbyEnv,
  type SpawnPlan,
  type SpawnPlanInput,
} from '../../src/runner/spawn-plan.js';

const RUN_LOG = '/srv/trc/logs/test_20240101_000000_abcdef01/run.log';
const RUN_LOG_FD = 42;

const child: ChildConfig = {
  runId: 'test_20240101_000000_abcdef01',
  projectRoot: '/work/project',
  vitestNodeEntry: '/work/project/node_modules/vitest/dist/node.js',
  runnerSources: {
    baseRunnerImport:
      'import { TestRunner as BaseRunner } from "file:///work/project/node_modules/vitest/dist/index.js";',
    vitestRunnerUrl: null,
    vitestDistDir: '/work/project/node_modules/vitest/dist',
  },
  logsDir: '/srv/trc/logs/test_20240101_000000_abcdef01',
  workDir: '/srv/trc/.trc/runs/test_20240101_000000_abcdef01',
  controlSocket: '/srv/trc/.trc/runs/test_20240101_000000_abcdef01/c.sock',
  files: ['test/a.test.ts'],
  testNamePattern: null,
  vitestProject: null,
};

function plan(overrides: Partial<SpawnPlanInput>): SpawnPlan {
  return planSpawn({
    platform: 'linux',
    baseEnv: { PATH: '/usr/bin', HOME: '/root', TRC_API_TOKEN: 'secret', TRC_PORT: '7070' },
    nodePath: '/usr/bin/node',
    launcherPath: '/opt/trc/dist/runner-plugin/launcher.js',
    child,
    env: {},
    showConsole: false,
    runLogPath: RUN_LOG,
    runLogFd: RUN_LOG_FD,
    ...overrides,
  });
}

function envOf(spawn: SpawnPlan): Record<string, string> {
  return spawn.options.env as Record<string, string>;
}

describe('planSpawn on Windows', () => {
  it('gives the child its own visible console with showConsole, and lets it write run.log itself', () => {
    const spawn = plan({ platform: 'win32', showConsole: true });
    expect(spawn.options).toMatchObject({
      detached: true,
      windowsHide: false,
      stdout: 'ignore',
      stderr: 'ignore',
    });
    expect(envOf(spawn)[CHILD_ENV.teeLog]).toBe(RUN_LOG);
    expect(spawn.notes).toEqual([]);
  });

  it('keeps the child hidden and attached without showConsole, its output appended to run.log', () => {
    const spawn = plan({ platform: 'win32', showConsole: false });
    expect(spawn.options).toMatchObject({ detached: false, windowsHide: true });
    expect(spawn.options.stdout).toBe(RUN_LOG_FD);
    expect(spawn.options.stderr).toBe(RUN_LOG_FD);
    expect(envOf(spawn)).not.toHaveProperty(CHILD_ENV.teeLog);
    expect(spawn.notes).toEqual([]);
  });
});

describe('planSpawn on POSIX', () => {
  it('ignores showConsole with a note naming the platform', () => {
    const spawn = plan({ platform: 'linux', showConsole: true });
    expect(spawn.notes).toHaveLength(1);
    expect(spawn.notes[0]).toMatch(/showConsole ignored/);
    expect(spawn.notes[0]).toContain('linux');
    expect(spawn.options).toMatchObject({ detached: true, windowsHide: true });
    expect(spawn.options.stdout).toBe(RUN_LOG_FD);
    expect(envOf(spawn)).not.toHaveProperty(CHILD_ENV.teeLog);
  });

  it.each<NodeJS.Platform>(['linux', 'darwin'])('leads its own process group on %s', (platform) => {
    const spawn = plan({ platform });
    expect(spawn.options.detached).toBe(true);
    expect(spawn.notes).toEqual([]);
  });
});

describe('planSpawn on every platform', () => {
  it.each<[NodeJS.Platform, boolean]>([
    ['linux', false],
    ['linux', true],
    ['win32', false],
    ['win32', true],
  ])(
    'runs node on the launcher directly, no shell, in the project root (%s, showConsole %s)',
    (platform, show) => {
      const spawn = plan({ platform, showConsole: show });
      expect(spawn.file).toBe('/usr/bin/node');
      expect(spawn.args).toEqual(['/opt/trc/dist/runner-plugin/launcher.js']);
      expect(spawn.options.shell).toBe(false);
      expect(spawn.options.cwd).toBe('/work/project');
      expect(spawn.options.stdin).toBe('ignore');
    },
  );

  it('passes the child config as JSON and the request env', () => {
    const env = envOf(plan({ env: { API_URL: 'http://localhost:3000', DEBUG: '1' } }));
    expect(JSON.parse(env[CHILD_ENV.config] ?? '')).toEqual(child);
    expect(env).toMatchObject({ API_URL: 'http://localhost:3000', DEBUG: '1' });
  });

  it('turns colour off by default and lets the request turn it on', () => {
    expect(envOf(plan({}))).toHaveProperty('NO_COLOR', '1');
    expect(envOf(plan({ env: { NO_COLOR: '' } }))).toHaveProperty('NO_COLOR', '');
  });

  it('never lets the request env replace the child config', () => {
    const env = envOf(plan({ env: { [CHILD_ENV.config]: '{}' } }));
    expect(JSON.parse(env[CHILD_ENV.config] ?? '')).toEqual(child);
  });
});

describe('planSpawn environment', () => {
  it("passes the daemon's environment on without trc's own TRC_* variables (the API token among them)", () => {
    const env = envOf(plan({}));
    expect(env).toMatchObject({ PATH: '/usr/bin', HOME: '/root' });
    expect(Object.keys(env).filter((name) => name.startsWith('TRC_') && name !== CHILD_ENV.config)).toEqual(
      [],
    );
    expect(plan({}).options.extendEnv).toBe(false);
  });
});

describe('planStandby (a launcher started ahead of its run)', () => {
  const baseEnv = { PATH: '/usr/bin', NODE_OPTIONS: '--max-old-space-size=4096', TRC_API_TOKEN: 'secret' };
  const standby = planStandby({
    platform: 'linux',
    env: planStandbyEnv(baseEnv),
    nodePath: '/usr/bin/node',
    launcherPath: '/opt/trc/dist/runner-plugin/launcher.js',
    cwd: child.projectRoot,
    logFd: RUN_LOG_FD,
  });

  it('starts as a run with no request env would, marked as waiting and without a run config', () => {
    const runEnv = planRunEnv({ baseEnv, env: {}, child });
    const { [CHILD_ENV.config]: config, ...rest } = runEnv;
    expect(config).toBeDefined();
    expect(standby.options.env).toEqual({ ...rest, [CHILD_ENV.standby]: '1' });
    expect(standby.options.env).not.toHaveProperty('TRC_API_TOKEN');
  });

  it('is spawned as a run’s child is, in the project root: its own process group, output to its file', () => {
    const spawn = plan({});
    expect([standby.file, standby.args]).toEqual([spawn.file, spawn.args]);
    expect(standby.options).toEqual({ ...spawn.options, env: standby.options.env });
  });
});
