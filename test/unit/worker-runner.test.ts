import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const RUNNER_BUNDLE = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'dist',
  'runner-plugin',
  'worker-runner.js',
);

/**
 * A test worker where trc's runner extends a minimal base runner: it leaves a test file unloaded
 * when the flags file says cancelled, which takes its built-ins (node:fs here).
 */
function workerScript(withoutGetBuiltinModule: boolean): string {
  return `
    ${withoutGetBuiltinModule ? 'delete process.getBuiltinModule;' : ''}
    const { createTrcRunner } = await import(${JSON.stringify(pathToFileURL(RUNNER_BUNDLE).href)});
    class Base { config = {}; importFile() { return 'loaded'; } }
    const runner = new (createTrcRunner(Base))();
    const file = { mode: 'run' };
    runner.onCollectStart(file);
    await runner.importFile('a.test.js', 'collect');
    console.log(JSON.stringify({ mode: file.mode, passWithNoTests: runner.config.passWithNoTests ?? false }));
  `;
}

describe("trc's worker runner bundle", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'trc-worker-runner-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['with process.getBuiltinModule (Node ≥ 20.16)', false],
    ['on an older Node, without process.getBuiltinModule', true],
  ])('reads the flags file and skips a cancelled file %s', async (_label, withoutGetBuiltinModule) => {
    const flagsFile = path.join(dir, 'control-flags.json');
    await writeFile(flagsFile, JSON.stringify({ paused: false, cancelled: true, reason: 'cancelled' }));
    const { stdout } = await execa(
      process.execPath,
      ['--input-type=module', '-e', workerScript(withoutGetBuiltinModule)],
      {
        env: { TRC_CONTROL_SOCKET: path.join(dir, 'none.sock'), TRC_CONTROL_FLAGS: flagsFile },
      },
    );
    expect(JSON.parse(stdout)).toEqual({ mode: 'skip', passWithNoTests: true });
  });
});
