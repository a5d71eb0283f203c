import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inlineTrcRunner, installRunners } from '../../runner-plugin/install-runners.js';
import { findReexport, findRunnerSources } from '../../src/runner/runner-sources.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

describe('findReexport', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'trc-reexport-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows an export passed on from a chunk to the chunk and its local name', async () => {
    const entry = path.join(dir, 'runners.js');
    await writeFile(
      entry,
      "export { a as other } from './chunks/a.js';\n" +
        "export { N as NodeBenchmarkRunner, V as VitestTestRunner } from './chunks/test.w5HLbjmU.js';\n" +
        "import '@vitest/runner';\n",
    );
    expect(findReexport(entry, 'VitestTestRunner')).toEqual({
      file: path.join(dir, 'chunks', 'test.w5HLbjmU.js'),
      binding: 'V',
    });
  });

  it('keeps the entry when it defines the export itself or cannot be read', async () => {
    const entry = path.join(dir, 'runners.js');
    await writeFile(
      entry,
      "import { x } from './chunks/x.js';\nclass VitestTestRunner {}\nexport { VitestTestRunner };\n",
    );
    expect(findReexport(entry, 'VitestTestRunner')).toEqual({ file: entry, binding: 'VitestTestRunner' });
    const missing = path.join(dir, 'missing.js');
    expect(findReexport(missing, 'TestRunner')).toEqual({ file: missing, binding: 'TestRunner' });
  });
});

describe('findRunnerSources on the installed Vitest versions', () => {
  it.each([
    ['3.2', 'VitestTestRunner'],
    ['4.0', 'VitestTestRunner'],
    ['4.1', 'TestRunner'],
    ['5', 'TestRunner'],
  ])(
    'Vitest %s: imports a module that defines the runner class %s under the bound name',
    async (version, name) => {
      const vitestDir = path.join(FIXTURES, `vitest-${version}`, 'node_modules', 'vitest');
      const { baseRunnerImport } = findRunnerSources(vitestDir);
      const [, binding = '', url = ''] =
        /^import \{ ([\w$]+) as BaseRunner \} from "([^"]+)";$/.exec(baseRunnerImport) ?? [];
      const file = fileURLToPath(url);
      expect(file.startsWith(path.join(vitestDir, 'dist') + path.sep)).toBe(true);
      const source = await readFile(file, 'utf8');
      expect(source).toMatch(new RegExp(`class ${name}\\b`));
      const exported = binding === name ? `\\b${name}\\b` : `\\b${name} as ${binding.replace('$', '\\$')}\\b`;
      expect(source).toMatch(new RegExp(`export \\{[^}]*${exported}[^}]*\\}`));
    },
  );
});

describe('installRunners', () => {
  const RUNNER_BUNDLE = path.resolve(
    import.meta.dirname,
    '..',
    '..',
    'dist',
    'runner-plugin',
    'worker-runner.js',
  );
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'trc-install-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['4.0', '4.1'])(
    'Vitest %s: the default runner is one module, under node_modules and a path holding the Vitest dist folder',
    async (version) => {
      const vitestDir = path.join(FIXTURES, `vitest-${version}`, 'node_modules', 'vitest');
      const sources = findRunnerSources(vitestDir);
      const projects = [{ config: {} as { runner?: string } }];
      installRunners(projects, { workDir: dir, trcRunnerFile: RUNNER_BUNDLE, ...sources });
      const shim = projects[0]?.config.runner ?? '';
      expect(shim.startsWith(path.join(dir, 'node_modules') + path.sep)).toBe(true);
      if (process.platform !== 'win32') {
        expect(shim).toContain(sources.vitestDistDir + path.sep);
        expect(sources.vitestDistDir).toBe(await realpath(path.join(vitestDir, 'dist')));
      }
      const text = await readFile(shim, 'utf8');
      expect(text).not.toContain('worker-runner.js');
      expect(text).not.toMatch(/export\s*\{/);
      // Loaded by node as a test worker would: its default export is trc's runner on Vitest's.
      const { stdout } = await execa(process.execPath, [
        '--input-type=module',
        '-e',
        `const { default: Runner } = await import(${JSON.stringify(pathToFileURL(shim).href)});
         const base = Object.getPrototypeOf(Runner);
         console.log(Runner.name, base.name, typeof Runner.prototype.onBeforeRunTask);`,
      ]);
      expect(stdout.trim()).toBe(
        `TrcRunner ${version === '4.1' ? 'TestRunner' : 'VitestTestRunner'} function`,
      );
    },
  );

  it("imports trc's runner instead when the file is not the one-file bundle", async () => {
    const unbundled = path.join(dir, 'worker-runner.js');
    await writeFile(unbundled, "import { x } from './control-client.js';\nexport { createTrcRunner };\n");
    expect(inlineTrcRunner(unbundled)).toBe(
      `import { createTrcRunner } from ${JSON.stringify(pathToFileURL(unbundled).href)};`,
    );
    const missing = path.join(dir, 'missing.js');
    expect(inlineTrcRunner(missing)).toContain('import { createTrcRunner } from');
    expect(inlineTrcRunner(RUNNER_BUNDLE)).toMatch(/class TrcRunner extends Base/);
  });

  it('wraps a custom runner of the user in a shim outside node_modules that Vite transforms', () => {
    const sources = findRunnerSources(path.join(FIXTURES, 'vitest-4.1', 'node_modules', 'vitest'));
    const projects = [{ config: { runner: '/project/custom-runner.ts' } as { runner?: string } }];
    installRunners(projects, { workDir: dir, trcRunnerFile: RUNNER_BUNDLE, ...sources });
    expect(projects[0]?.config.runner).toBe(path.join(dir, 'user-runner-0.mjs'));
  });

  it.each([
    ['with process.getBuiltinModule (Node ≥ 20.16)', false],
    ['on an older Node, without process.getBuiltinModule', true],
  ])(
    "trc's runner reads the flags file and leaves a cancelled file unloaded %s",
    async (_label, withoutGetBuiltinModule) => {
      const flagsFile = path.join(dir, 'control-flags.json');
      await writeFile(flagsFile, JSON.stringify({ paused: false, cancelled: true, reason: 'cancelled' }));
      // A test worker where trc's runner extends a minimal base runner; the flags file takes node:fs.
      const script = `
        ${withoutGetBuiltinModule ? 'delete process.getBuiltinModule;' : ''}
        const { createTrcRunner } = await import(${JSON.stringify(pathToFileURL(RUNNER_BUNDLE).href)});
        class Base { config = {}; importFile() { return 'loaded'; } }
        const runner = new (createTrcRunner(Base))();
        const file = { mode: 'run' };
        runner.onCollectStart(file);
        await runner.importFile('a.test.js', 'collect');
        console.log(JSON.stringify({ mode: file.mode, passWithNoTests: runner.config.passWithNoTests ?? false }));
      `;
      const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', script], {
        env: { TRC_CONTROL_SOCKET: path.join(dir, 'none.sock'), TRC_CONTROL_FLAGS: flagsFile },
      });
      expect(JSON.parse(stdout)).toEqual({ mode: 'skip', passWithNoTests: true });
    },
  );
});
