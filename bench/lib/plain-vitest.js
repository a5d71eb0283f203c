import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { now } from './clock.js';
import { readReapedChildrenCpuMs } from './cpu.js';
import { NODE_MODULES } from './fixtures.js';

const VITEST_BIN = path.join(NODE_MODULES, 'vitest', 'vitest.mjs');
const active = new Set();

/**
 * The baseline: `node <node_modules>/vitest/vitest.mjs run` in the fixture folder, output to a
 * file, spawned like trc spawns its child (no shell, own process group). Times are bench-clock
 * epoch ms: spawnedAt just before the spawn call, exitedAt at the child's `exit` event.
 */
export async function runPlainVitest({ cwd, outFile, env = {} }) {
  const spawnedAt = now();
  const cpuBefore = readReapedChildrenCpuMs();
  const subprocess = execa(process.execPath, [VITEST_BIN, 'run'], {
    cwd,
    env: { NO_COLOR: '1', ...env },
    extendEnv: true,
    stdin: 'ignore',
    stdout: { file: outFile, append: true },
    stderr: { file: outFile, append: true },
    reject: false,
    detached: true,
    cleanup: false,
  });
  let exitedAt = null;
  subprocess.once('exit', () => {
    exitedAt = now();
  });
  const entry = { pid: subprocess.pid };
  active.add(entry);
  let result;
  try {
    result = await subprocess;
  } finally {
    active.delete(entry);
  }
  exitedAt ??= now();
  const cpuAfter = readReapedChildrenCpuMs();
  const output = await readFile(outFile, 'utf8').catch(() => '');
  const summary = parseVitestSummary(output);
  return {
    spawnedAt,
    exitedAt,
    wallMs: exitedAt - spawnedAt,
    exitCode: result.exitCode ?? null,
    cpuMs: cpuBefore === null ? null : cpuAfter - cpuBefore,
    vitestDurationMs: summary.durationMs,
    vitestTestsMs: summary.testsMs,
    output,
  };
}

/** Kill every baseline child still running (cleanup after a crash). */
export function killPlainVitests() {
  for (const { pid } of active) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  active.clear();
}

/**
 * Vitest's own summary line, the last in the text:
 * `Duration  44.28s (transform 957ms, setup 0ms, import 2.86s, tests 614ms, environment 23ms)`.
 * @returns {{durationMs: number|null, testsMs: number|null}}
 */
export function parseVitestSummary(output) {
  const line = [...output.matchAll(/Duration\s+[^\n]*/g)].at(-1)?.[0] ?? '';
  const toMs = (match) => (match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : null);
  return {
    durationMs: toMs(/^Duration\s+([\d.]+)(ms|s)\b/.exec(line)),
    testsMs: toMs(/\btests ([\d.]+)(ms|s)\b/.exec(line)),
  };
}
