import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { now } from './clock.js';
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
  const output = await readFile(outFile, 'utf8').catch(() => '');
  return {
    spawnedAt,
    exitedAt,
    wallMs: exitedAt - spawnedAt,
    exitCode: result.exitCode ?? null,
    vitestDurationMs: parseVitestDuration(output),
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

/** Vitest's own summary line: `Duration  44.28s (...)` or `Duration  812ms (...)`; the last one in the text. */
export function parseVitestDuration(output) {
  const matches = [...output.matchAll(/Duration\s+([\d.]+)(ms|s)\b/g)];
  const last = matches.at(-1);
  if (!last) {
    return null;
  }
  const value = Number(last[1]);
  return last[2] === 's' ? value * 1000 : value;
}
