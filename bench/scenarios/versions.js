/**
 * Control overhead on each supported Vitest line: `node bench/scenarios/versions.js` (after
 * `npm run build`, with the test fixtures installed by `npm test` or `npm ci` in
 * test/fixtures/vitest-*). The core benchmark's two suites, 1 file × 2000 trivial cases and 300 files
 * × 1 case, run by plain `vitest run` and by trc with the Vitest of test/fixtures/vitest-<v> (Vitest 5
 * on the node 22 of test/.tools), ABBA after a warm-up. Figure: median(trc POST → child exit) /
 * median(plain spawn → exit); target ≤ 1.05. Also printed, for information: the median of the ratios
 * within each pair (the two runs of a pair are adjacent in time, so it is less swayed by the
 * machine's speed drifting during the bench), and a 95 % bootstrap interval of the ratio (how far the
 * machine's noise alone could move it).
 * Before each run the machine is left idle for BENCH_SETTLE_MS (300): what one run leaves behind
 * (the daemon's reports, the launcher it starts ahead of the next run) must not slow the next.
 * Knobs: BENCH_VERSIONS=4.0,4.1,5 (3.2 too), BENCH_SUITES=cases,files, BENCH_REPS (pairs of the
 * 2000-case suite, default 31), BENCH_FILES_REPS (pairs of the file suite, default 5), BENCH_FILES
 * (300), BENCH_WARM=0 (TRC_WARM_START=false: every trc run spawns its child as it starts). Writes bench/results/versions.json (versions-cold.json with BENCH_WARM=0).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { pino } from 'pino';
import { intFromEnv, listFromEnv } from '../lib/env.js';
import { trivialFiles, trivialMany, writeVersionProject } from '../lib/fixtures.js';
import { median, ratioInterval, round } from '../lib/stats.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NODE22 = path.join(REPO, 'test', '.tools', 'node_modules', '.bin', 'node');
const CASES = 2000;

const versions = listFromEnv('BENCH_VERSIONS', ['4.0', '4.1', '5'], ['3.2', '4.0', '4.1', '5']);
const FILES = intFromEnv('BENCH_FILES', 300);
const SETTLE_MS = intFromEnv('BENCH_SETTLE_MS', 300, 0);
const WARM = process.env.BENCH_WARM !== '0';
/** The core benchmark's two suites; pairs: on a shared 2-core VM single runs move by ±10 %. */
const SUITES = {
  cases: {
    label: `1 file × ${CASES} cases`,
    reps: intFromEnv('BENCH_REPS', 31),
    cases: CASES,
    files: { 'cases.test.js': trivialMany(CASES) },
  },
  files: {
    label: `${FILES} files × 1 case`,
    reps: intFromEnv('BENCH_FILES_REPS', 5),
    cases: FILES,
    files: trivialFiles(FILES),
  },
};
const suites = listFromEnv('BENCH_SUITES', Object.keys(SUITES), Object.keys(SUITES));

/** A project of the suite's files that runs the Vitest of test/fixtures/vitest-<version>. */
function writeSuite(root, version, suite) {
  return writeVersionProject(path.join(root, `v${version}-${suite}`), {
    version,
    files: SUITES[suite].files,
    test: { include: ['*.test.js'], maxWorkers: 2 },
    cacheDir: path.join(root, '.vite-cache', `${version}-${suite}`),
  });
}

async function runPlain(dir, node) {
  const started = Date.now();
  const result = await execa(node, [path.join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
    cwd: dir,
    env: { NO_COLOR: '1' },
    reject: false,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) {
    throw new Error(`plain Vitest failed in ${dir}:\n${result.stdout}\n${result.stderr}`);
  }
  return Date.now() - started;
}

async function runTrc(url, project, expectedCases) {
  const started = Date.now();
  const answer = await fetch(`${url}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project }),
  });
  const { run } = await answer.json();
  // Watch the run hash in Redis, as the main bench does: polling the daemon over HTTP would load
  // the very process being measured.
  const { redis, prefix } = globalThis.benchDeps;
  for (;;) {
    const status = await redis.hget(`${prefix}:run:${run.runId}`, 'status');
    if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(status)) {
      const { run: end } = await (await fetch(`${url}/api/v1/runs/${run.runId}`)).json();
      if (end.status !== 'COMPLETED' || end.counts.passed !== expectedCases) {
        throw new Error(`trc run ${run.runId} of ${project} ended ${end.status}: ${end.reason}`);
      }
      const exitedAt = await redis.hget(`${prefix}:run:${run.runId}`, 'exitedAt');
      return (exitedAt ? Date.parse(exitedAt) : Date.now()) - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main() {
  const { loadConfig } = await import(path.join(REPO, 'dist/src/config.js'));
  const { startDaemon } = await import(path.join(REPO, 'dist/src/daemon.js'));
  const { Redis } = await import('ioredis');
  const root = await mkdtemp(path.join(os.tmpdir(), 'trc-bench-versions-'));
  const socket = path.join(root, 'r.sock');
  const redisServer = execa(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no'],
    {
      reject: false,
    },
  );
  for (let i = 0; i < 100 && !existsSync(socket); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const projects = [];
  for (const version of versions) {
    for (const suite of suites) {
      projects.push({
        version,
        suite,
        name: `v${version}-${suite}`,
        dir: await writeSuite(root, version, suite),
      });
    }
  }
  const prefix = 'benchv';
  const config = loadConfig(
    {
      TRC_PORT: '0',
      TRC_REDIS_URL: socket,
      TRC_KEY_PREFIX: prefix,
      TRC_PROJECTS: projects.map((project) => `${project.name}=${project.dir}`).join(','),
      ...(versions.includes('5')
        ? {
            TRC_PROJECT_NODE: projects
              .filter((project) => project.version === '5')
              .map((project) => `${project.name}=${NODE22}`)
              .join(','),
          }
        : {}),
      TRC_REPORTS_DIR: path.join(root, 'reports'),
      TRC_LOGS_DIR: path.join(root, 'logs'),
      TRC_DATA_DIR: path.join(root, 'data'),
      TRC_CONCURRENCY: '1',
      TRC_WARM_START: String(WARM),
    },
    root,
  );
  const daemon = await startDaemon({ config, logger: pino({ level: 'silent' }), redisUrl: socket });
  globalThis.benchDeps = { redis: new Redis({ path: socket }), prefix };
  const rows = [];
  try {
    for (const { version, suite, name, dir } of projects) {
      const node = version === '5' ? NODE22 : process.execPath;
      const { reps, label, cases } = SUITES[suite];
      const plain = [];
      const trc = [];
      await runPlain(dir, node);
      await runTrc(daemon.url, name, cases);
      for (let rep = 0; rep < reps; rep += 1) {
        const order = rep % 2 === 0 ? ['plain', 'trc'] : ['trc', 'plain'];
        for (const which of order) {
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          if (which === 'plain') {
            plain.push(await runPlain(dir, node));
          } else {
            trc.push(await runTrc(daemon.url, name, cases));
          }
        }
      }
      const { stdout: nodeVersion } = await execa(node, ['--version']);
      const row = {
        vitest: version,
        suite,
        warmStart: WARM,
        node: nodeVersion.trim(),
        reps,
        plainMedianMs: median(plain),
        trcMedianMs: median(trc),
        ratio: round(median(trc) / median(plain), 3),
        pairedRatio: round(median(trc.map((ms, i) => ms / plain[i])), 3),
        ratioInterval95: ratioInterval(plain, trc).map((value) => round(value, 3)),
        plain,
        trc,
      };
      rows.push(row);
      console.log(
        `Vitest ${version} on node ${row.node}, ${label}: plain ${row.plainMedianMs} ms, trc ${row.trcMedianMs} ms, ratio ${row.ratio} ${WARM ? '' : '(cold) '}${row.ratio <= 1.05 ? 'PASS' : 'MISS'} (95 % interval ${row.ratioInterval95.join('–')}; median of paired ratios ${row.pairedRatio}, ${reps} pairs)`,
      );
    }
  } finally {
    await globalThis.benchDeps.redis.quit();
    await daemon.close();
    redisServer.kill('SIGTERM');
    await redisServer;
    await rm(root, { recursive: true, force: true });
  }
  await mkdir(path.join(REPO, 'bench', 'results'), { recursive: true });
  await writeFile(
    path.join(REPO, 'bench', 'results', WARM ? 'versions.json' : 'versions-cold.json'),
    `${JSON.stringify({ date: new Date().toISOString(), cores: os.availableParallelism(), suites: Object.fromEntries(suites.map((suite) => [suite, SUITES[suite].label])), rows }, null, 2)}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
