/**
 * Where trc's overhead goes, for one Vitest line: `node bench/scenarios/phases.js` (after
 * `npm run build`, with the fixtures installed by `npm test`). The versions bench's suite (1 file ×
 * 2000 trivial cases) runs plain and under trc, interleaved, with marks written by the test file
 * itself, so each run splits into: start → test worker start, worker start → test file loaded,
 * file loaded → first case (collection), first → last case, last case → child exit. The exit phase
 * splits where the Vitest main process takes the last case's result (a marks reporter in the suite's
 * config, so plain and trc both load it): lastToMain, while the main process still works through
 * the worker's earlier batches of results, then mainToExit, while Vitest ends the run and exits. It also
 * reports CPU: the Vitest processes (reaped children), the test worker during its cases, and this
 * process (the daemon). A diagnostic, not a target: this VM's noise moves medians of 16 runs by
 * ±30 ms, so compare builds in one run rather than across runs.
 *
 * Knobs: BENCH_VERSION (4.0; 3.2, 4.1, 5), BENCH_REPS (16), BENCH_BUILDS (comma-separated checkouts
 * of trc, each built, to compare in the same run; default this one), BENCH_CASES (2000; with 20000
 * a per-case cost grows tenfold and start-up does not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { readOwnCpuMs, readReapedChildrenCpuMs } from '../lib/cpu.js';
import { intFromEnv, listFromEnv } from '../lib/env.js';
import { writeVersionProject } from '../lib/fixtures.js';
import { startRedisServer } from '../lib/redis-server.js';
import { median } from '../lib/stats.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NODE22 = path.join(REPO, 'test', '.tools', 'node_modules', '.bin', 'node');
const CASES = intFromEnv('BENCH_CASES', 2000, 2);
const [version] = listFromEnv('BENCH_VERSION', ['4.0'], ['3.2', '4.0', '4.1', '5']);
const reps = intFromEnv('BENCH_REPS', 16);
const builds = (process.env.BENCH_BUILDS ?? REPO).split(',').map((build) => path.resolve(build));
const node = version === '5' ? NODE22 : process.execPath;
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

/** The test file marks its worker's start, its own load, its first and last case (time and CPU). */
const TEST_FILE = `import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const marks = process.env.BENCH_MARKS;
const mark = (name) => {
  const { user, system } = process.cpuUsage();
  appendFileSync(marks, \`\${name} \${performance.timeOrigin + performance.now()} \${(user + system) / 1000}\\n\`);
};
if (marks) {
  appendFileSync(marks, \`worker \${performance.timeOrigin} 0\\n\`);
  mark('loaded');
}
for (let i = 0; i < ${CASES}; i += 1) {
  it(\`case \${i}\`, () => {
    if (marks && i === 0) mark('first');
    expect(1).toBe(1);
    if (marks && i === ${CASES - 1}) mark('last');
  });
}
`;

/** Marks, in the Vitest main process, when it took the last case's result (written as the run ends). */
const MARKS_REPORTER = `import { appendFileSync } from 'node:fs';

let lastResultAt = 0;
export default class MarksReporter {
  onTestCaseResult() {
    lastResultAt = performance.timeOrigin + performance.now();
  }
  onTestRunEnd() {
    if (process.env.BENCH_MARKS) appendFileSync(process.env.BENCH_MARKS, \`lastResult \${lastResultAt} 0\\n\`);
  }
}
`;

function writeSuite(root) {
  return writeVersionProject(path.join(root, 'suite'), {
    version,
    files: { 'cases.test.js': TEST_FILE, 'marks-reporter.js': MARKS_REPORTER },
    test: { include: ['*.test.js'], maxWorkers: 2, reporters: ['default', './marks-reporter.js'] },
  });
}

function readMarks(file) {
  const marks = {};
  for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
    const [name, at, cpu] = line.split(' ');
    marks[name] = { at: Number(at), cpu: Number(cpu) };
  }
  return marks;
}

/** Phases of one run that started at `startedAt` (epoch ms) and whose child exited at `exitedAt`. */
function phasesOf(marksFile, startedAt, exitedAt) {
  const m = readMarks(marksFile);
  return {
    total: exitedAt - startedAt,
    toWorker: m.worker.at - startedAt,
    workerInit: m.loaded.at - m.worker.at,
    collect: m.first.at - m.loaded.at,
    cases: m.last.at - m.first.at,
    casesCpu: m.last.cpu - m.first.cpu,
    exit: exitedAt - m.last.at,
    lastToMain: m.lastResult.at - m.last.at,
    mainToExit: exitedAt - m.lastResult.at,
  };
}

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'trc-bench-phases-'));
  const redisServer = await startRedisServer(root);
  const redis = new Redis(redisServer.url);
  const dir = await writeSuite(root);
  const marksFile = path.join(root, 'marks');
  const daemons = [];
  try {
    for (const [index, build] of builds.entries()) {
      const { loadConfig } = await import(path.join(build, 'dist/src/config.js'));
      const { startDaemon } = await import(path.join(build, 'dist/src/daemon.js'));
      const prefix = `phases${index}`;
      const config = loadConfig(
        {
          TRC_PORT: '0',
          TRC_REDIS_URL: redisServer.url,
          TRC_KEY_PREFIX: prefix,
          TRC_PROJECTS: `suite=${dir}`,
          ...(version === '5' ? { TRC_PROJECT_NODE: `suite=${NODE22}` } : {}),
          TRC_REPORTS_DIR: path.join(root, `reports${index}`),
          TRC_LOGS_DIR: path.join(root, `logs${index}`),
          TRC_DATA_DIR: path.join(root, `data${index}`),
          TRC_CONCURRENCY: '1',
        },
        root,
      );
      const daemon = await startDaemon({
        config,
        logger: pino({ level: 'silent' }),
        redisUrl: redisServer.url,
      });
      daemons.push({ name: builds.length > 1 ? `trc ${path.basename(build)}` : 'trc', prefix, daemon });
    }

    const measure = async (run) => {
      writeFileSync(marksFile, '');
      const cpu = { kids: readReapedChildrenCpuMs(), own: readOwnCpuMs() };
      const phases = await run();
      return { ...phases, childCpu: readReapedChildrenCpuMs() - cpu.kids, ownCpu: readOwnCpuMs() - cpu.own };
    };
    const runPlain = () =>
      measure(async () => {
        const startedAt = Date.now();
        const child = execa(node, [path.join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
          cwd: dir,
          env: { NO_COLOR: '1', BENCH_MARKS: marksFile },
          reject: false,
          stdin: 'ignore',
        });
        let exitedAt = 0;
        child.once('exit', () => {
          exitedAt = Date.now();
        });
        const result = await child;
        if (result.exitCode !== 0) {
          throw new Error(`plain Vitest failed:\n${result.stdout}\n${result.stderr}`);
        }
        return phasesOf(marksFile, startedAt, exitedAt);
      });
    const runTrc = ({ daemon, prefix }) =>
      measure(async () => {
        const startedAt = Date.now();
        const answer = await fetch(`${daemon.url}/api/v1/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ project: 'suite', env: { BENCH_MARKS: marksFile } }),
        });
        const { run } = await answer.json();
        const key = `${prefix}:run:${run.runId}`;
        for (;;) {
          const status = await redis.hget(key, 'status');
          if (TERMINAL.includes(status)) {
            const { exitedAt, reason } = await redis.hgetall(key);
            if (status !== 'COMPLETED') {
              throw new Error(`trc run ${run.runId} ended ${status}: ${reason}`);
            }
            return phasesOf(marksFile, startedAt, Date.parse(exitedAt));
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });

    const kinds = [
      { name: 'plain', run: runPlain },
      ...daemons.map((d) => ({ name: d.name, run: () => runTrc(d) })),
    ];
    const results = Object.fromEntries(kinds.map((kind) => [kind.name, []]));
    for (const kind of kinds) {
      await kind.run(); // warm-up
    }
    for (let rep = 0; rep < reps; rep += 1) {
      for (const kind of rep % 2 === 0 ? kinds : [...kinds].reverse()) {
        results[kind.name].push(await kind.run());
      }
    }
    const plain = results.plain;
    const columns = [
      'total',
      'toWorker',
      'workerInit',
      'collect',
      'cases',
      'casesCpu',
      'exit',
      'lastToMain',
      'mainToExit',
      'childCpu',
      'ownCpu',
    ];
    console.log(`Vitest ${version}, ${reps} interleaved runs each; medians in ms`);
    console.log(['', 'ratio', 'paired', ...columns].map((c) => c.padStart(11)).join(''));
    for (const [name, rows] of Object.entries(results)) {
      const of = (column) => median(rows.map((row) => row[column]));
      const ratio = of('total') / median(plain.map((row) => row.total));
      const paired = median(rows.map((row, i) => row.total / plain[i].total));
      console.log(
        [name, ratio.toFixed(3), paired.toFixed(3), ...columns.map((c) => of(c).toFixed(0))]
          .map((c) => String(c).padStart(11))
          .join(''),
      );
    }
  } finally {
    await redis.quit();
    for (const { daemon } of daemons) {
      await daemon.close();
    }
    await redisServer.stop();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
