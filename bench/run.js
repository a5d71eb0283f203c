/**
 * trc benchmark: control overhead, pause/resume, cancel and cold start, each measured against a
 * baseline taken in the same run (plain Vitest, or the moment of the request). Prints a table and
 * writes bench/results/latest.json and latest.md. Exits non-zero only when something crashed;
 * a missed target is reported as MISS.
 *
 * Run with `npm run bench` (builds first; about 7 minutes on 2 cores). BENCH_QUICK=1: a smoke
 * version of one to two minutes (fewer repetitions and trials, a 100-file suite instead of 300).
 * Other knobs: BENCH_ONLY=start,overhead-cases,pause,cancel,overhead-files; BENCH_REPS,
 * BENCH_CASES_REPS, BENCH_FILES_REPS, BENCH_FILES, BENCH_PAUSE_TRIALS, BENCH_CANCEL_TRIALS, BENCH_MAX_WORKERS
 * (test workers of the fixtures, default: the core count); BENCH_KEEP=1 keeps the temp folder
 * (fixtures, run logs, reports, baseline output) for inspection.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { now } from './lib/clock.js';
import { intFromEnv, listFromEnv } from './lib/env.js';
import { createFixtures, NODE_MODULES } from './lib/fixtures.js';
import { killPlainVitests } from './lib/plain-vitest.js';
import { startRedisServer } from './lib/redis-server.js';
import { formatMarkdownTable, formatTextTable, verdictOf, writeFormatted } from './lib/report.js';
import { TrcClient } from './lib/trc-client.js';
import { loadTrcSnapshot } from './lib/trc-snapshot.js';
import { measureCancel } from './scenarios/cancel.js';
import { measureOverhead } from './scenarios/overhead.js';
import { measurePause } from './scenarios/pause.js';
import { measureStart } from './scenarios/start.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = ['start', 'overhead-cases', 'pause', 'cancel', 'overhead-files'];

function readPlan() {
  const quick = Boolean(process.env.BENCH_QUICK) && process.env.BENCH_QUICK !== '0';
  const only = listFromEnv('BENCH_ONLY', SCENARIOS, SCENARIOS);
  const reps = intFromEnv('BENCH_REPS', quick ? 2 : 5);
  return {
    quick,
    only,
    reps,
    filesReps: intFromEnv('BENCH_FILES_REPS', quick ? 2 : 5),
    // The 2,000-case suite takes under a second a run, and a 5 % budget is ~35 ms there: many
    // interleaved pairs keep the median steady on a shared machine.
    casesReps: intFromEnv('BENCH_CASES_REPS', quick ? 5 : 21),
    pauseTrials: intFromEnv('BENCH_PAUSE_TRIALS', quick ? 20 : 100),
    cancelTrials: intFromEnv('BENCH_CANCEL_TRIALS', quick ? 3 : 10),
    sizes: {
      maxWorkers: intFromEnv('BENCH_MAX_WORKERS', os.availableParallelism()),
      manyFiles: intFromEnv('BENCH_FILES', quick ? 100 : 300),
      manyCases: 2000,
      pauseFiles: 4,
      pauseCases: 500,
      cancelFiles: 20,
      cancelCases: 20,
      cancelCaseMs: 50,
    },
  };
}

/** Which trc was measured: the commit and the source files changed since it (others edit concurrently). */
async function describeSource() {
  const git = (args) =>
    execa('git', args, { cwd: REPO_ROOT, reject: false }).then((result) => result.stdout.trim());
  const changed = await git(['status', '--porcelain', '--', 'src', 'runner-plugin']);
  return {
    commit: (await git(['rev-parse', '--short', 'HEAD'])) || 'unknown',
    uncommittedChanges: changed ? changed.split('\n').map((line) => line.trim()) : [],
  };
}

async function describeMachine() {
  const vitest = JSON.parse(await readFile(path.join(NODE_MODULES, 'vitest', 'package.json'), 'utf8'));
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    vitest: vitest.version,
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** daemon.close() may wait up to 3 × TRC_KILL_GRACE_MS for children it stops. */
const CLEANUP_STEP_MS = 20_000;

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Everything started is stopped here, in reverse order, once; safe to call from a signal. */
function createCleanup() {
  const steps = [];
  let running = null;
  return {
    add(label, step) {
      steps.push({ label, step });
    },
    run() {
      running ??= (async () => {
        killPlainVitests();
        for (const { label, step } of steps.reverse()) {
          try {
            await withTimeout(step(), CLEANUP_STEP_MS, `cleanup "${label}" took over ${CLEANUP_STEP_MS} ms`);
          } catch (error) {
            process.stderr.write(`[bench] cleanup "${label}" failed: ${error?.stack ?? error}\n`);
          }
        }
      })();
      return running;
    },
  };
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main() {
  const plan = readPlan();
  const machine = await describeMachine();
  const source = await describeSource();
  const cleanup = createCleanup();
  // Stay subscribed (not `once`): execa's signal-exit re-raises the signal, killing the process
  // mid-cleanup, as soon as its own handler is the only one left. A second signal exits at once.
  let signalled = false;
  const onSignal = (signal) => {
    if (signalled) {
      process.exit(130);
    }
    signalled = true;
    log(`${signal}: cleaning up (again to exit at once)`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results = {};
  const errors = {};
  const startedAt = now();
  try {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'trc-bench-'));
    if (process.env.BENCH_KEEP) {
      log(`BENCH_KEEP is set: ${tmp} is kept`);
    } else {
      cleanup.add('temp dir', () => rm(tmp, { recursive: true, force: true }));
    }
    const dirs = Object.fromEntries(
      ['trc', 'redis', 'fixtures', 'reports', 'logs', 'data', 'output'].map((name) => [
        name,
        path.join(tmp, name),
      ]),
    );
    await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
    const { loadConfig, startDaemon, builtAt } = await loadTrcSnapshot(REPO_ROOT, dirs.trc);
    source.builtAt = builtAt;

    const redisServer = await startRedisServer(dirs.redis);
    cleanup.add('redis-server', () => redisServer.stop());
    log(`redis-server at ${redisServer.url}; fixtures in ${dirs.fixtures}`);
    const projects = await createFixtures(dirs.fixtures, plan.sizes);

    const keyPrefix = `bench${Math.random().toString(16).slice(2, 10)}`;
    const config = loadConfig({
      TRC_PROJECTS: Object.entries(projects)
        .map(([name, dir]) => `${name}=${dir}`)
        .join(','),
      TRC_PORT: '0',
      TRC_REDIS_URL: redisServer.url,
      TRC_KEY_PREFIX: keyPrefix,
      TRC_REPORTS_DIR: dirs.reports,
      TRC_LOGS_DIR: dirs.logs,
      TRC_DATA_DIR: dirs.data,
      TRC_KEEP_REPORTS: '1000',
      TRC_CONCURRENCY: '1',
    });
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const daemon = await startDaemon({ config, logger, redisUrl: redisServer.url });
    cleanup.add('daemon', () => daemon.close());
    const redis = new Redis(redisServer.url);
    cleanup.add('bench redis client', () => redis.quit());
    log(`daemon at ${daemon.url}`);

    const ctx = {
      client: new TrcClient({ baseUrl: daemon.url, redis, keyPrefix }),
      projects,
      outputDir: dirs.output,
      logsDir: dirs.logs,
      log,
    };
    const scenarios = {
      start: () => measureStart(ctx, { reps: plan.reps, warmup: true }),
      'overhead-cases': () =>
        measureOverhead(ctx, {
          key: 'overhead-cases',
          project: 'manycases',
          reps: plan.casesReps,
          warmup: true,
        }),
      pause: () => measurePause(ctx, { trials: plan.pauseTrials }),
      cancel: () => measureCancel(ctx, { trials: plan.cancelTrials }),
      // The warm-ups of the scenarios before it (same Vitest, same daemon) stand in for its own:
      // a pair of 300-file warm-up runs would cost ~50 s.
      'overhead-files': () =>
        measureOverhead(ctx, {
          key: 'overhead-files',
          project: 'manyfiles',
          reps: plan.filesReps,
          warmup: !plan.only.includes('overhead-cases'),
        }),
    };
    for (const name of SCENARIOS.filter((scenario) => plan.only.includes(scenario))) {
      const began = now();
      log(`scenario ${name}`);
      try {
        results[name] = await scenarios[name]();
      } catch (error) {
        errors[name] = error?.stack ?? String(error);
        log(`scenario ${name} crashed: ${errors[name]}`);
      }
      log(`scenario ${name} took ${((now() - began) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    errors.setup = error?.stack ?? String(error);
    log(`setup crashed: ${errors.setup}`);
  } finally {
    await cleanup.run();
  }

  machine.loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const rows = buildRows(plan, results, errors);
  const report = {
    machine,
    source,
    plan,
    durationS: Math.round((now() - startedAt) / 100) / 10,
    rows,
    results,
    errors,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFormatted(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFormatted(path.join(RESULTS_DIR, 'latest.md'), buildMarkdown(report));
  process.stdout.write(`\n${formatTextTable(rows)}\n\n`);
  process.stdout.write(
    `figures written to ${path.join(RESULTS_DIR, 'latest.json')} and latest.md (${report.durationS} s)\n`,
  );
  return Object.keys(errors).length === 0 ? 0 : 1;
}

const fmtS = (ms) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);
const fmtMs = (ms) =>
  ms === null || ms === undefined ? '—' : ms === Infinity ? '∞' : `${Number(ms).toFixed(1)} ms`;
const spread = (s) => `p50 ${fmtMs(s.p50)} / p95 ${fmtMs(s.p95)} / max ${fmtMs(s.max)}`;

function buildRows(plan, results, errors) {
  const rows = [];
  const add = (row) => rows.push({ ...row, verdict: verdictOf(row.pass) });
  const failed = (scenario, name) =>
    rows.push({
      scenario,
      baseline: '—',
      trc: '—',
      figure: `crashed: ${errors[name].split('\n')[0].slice(0, 80)}`,
      target: '—',
      pass: null,
      verdict: 'ERROR',
    });
  for (const [name, title] of [
    ['overhead-files', `1a overhead, ${plan.sizes.manyFiles} files × 1 case`],
    ['overhead-cases', `1b overhead, 1 file × ${plan.sizes.manyCases} cases`],
  ]) {
    const result = results[name];
    if (errors[name]) {
      failed(title, name);
    } else if (result) {
      const reps = result.trc.samples.length;
      add({
        scenario: `${title}: POST→child exit (median of ${reps})`,
        baseline: fmtS(result.plain.medianMs),
        trc: fmtS(result.trc.medianExitMs),
        figure: `ratio ${result.ratioExit.toFixed(3)}`,
        target: 'ratio ≤ 1.05',
        pass: result.ratioExit <= 1.05,
      });
      add({
        scenario: `${title}: CPU of child + workers`,
        baseline: fmtS(result.phases.plain.childCpuMs),
        trc: fmtS(result.phases.trc.childCpuMs),
        figure: `ratio ${result.phases.childCpuRatio?.toFixed(3) ?? '—'}`,
        target: '(info)',
        pass: null,
      });
      add({
        scenario: `${title}: POST→terminal, reports written`,
        baseline: fmtS(result.plain.medianMs),
        trc: fmtS(result.trc.medianTerminalMs),
        figure: `ratio ${result.ratioTerminal.toFixed(3)}`,
        target: '(info)',
        pass: null,
      });
    }
  }
  if (errors.pause) {
    failed('2 pause', 'pause');
  } else if (results.pause) {
    const pause = results.pause;
    add({
      scenario: `2 pause: cases started after the pause answered (${pause.trials}/${pause.wanted} trials)`,
      baseline: '—',
      trc: `${pause.startsAfterPauseAnswered}`,
      figure: `${pause.startsAfterPauseAnswered} starts in ${pause.trialsWithStartsAfterPause} trials`,
      target: '0',
      pass: pause.startsAfterPauseAnswered === 0 && pause.trials === pause.wanted,
    });
    add({
      scenario: '2 pause call: request → answer (all workers acknowledged)',
      baseline: 'pause sent',
      trc: spread(pause.pauseCallMs),
      figure: `p95 ${fmtMs(pause.pauseCallMs.p95)}`,
      target: '(info)',
      pass: null,
    });
    add({
      scenario: '2 resume → next case start',
      baseline: 'resume sent',
      trc: spread(pause.resumeToNextStartMs),
      figure: `p95 ${fmtMs(pause.resumeToNextStartMs.p95)}${pause.resumesWithoutStart > 0 ? ` (${pause.resumesWithoutStart} resumes with no start within 30 ms: ∞)` : ''}`,
      target: 'p95 ≤ 10 ms',
      pass: pause.resumeToNextStartMs.p95 !== null && pause.resumeToNextStartMs.p95 <= 10,
    });
  }
  if (errors.cancel) {
    failed('3 cancel', 'cancel');
  } else if (results.cancel) {
    const cancel = results.cancel;
    add({
      scenario: `3 cancel: cases started after the cancel answered (${cancel.trials} trials)`,
      baseline: '—',
      trc: `${cancel.startsAfterCancelAnswered}`,
      figure: `${cancel.startsAfterCancelAnswered} starts in ${cancel.trialsWithStartsAfterCancel} trials`,
      target: '0 (DESIGN.md)',
      pass: cancel.startsAfterCancelAnswered === 0,
    });
    add({
      scenario: `3 cancel → child exit, beyond the case in flight (${cancel.trials} trials, ${plan.sizes.cancelFiles} files)`,
      baseline: 'max(cancel, last case end)',
      trc: spread(cancel.latencyMs),
      figure: `p95 ${fmtMs(cancel.latencyMs.p95)}`,
      target: 'p95 ≤ 300 ms',
      pass: cancel.latencyMs.p95 !== null && cancel.latencyMs.p95 <= 300,
    });
    add({
      scenario: '3 cancel → exit, split: Vitest started another file after the cancel / did not',
      baseline: `${cancel.latencyWithLateFileMs.n} / ${cancel.latencyWithoutLateFileMs.n} trials`,
      trc: `p50 ${fmtMs(cancel.latencyWithLateFileMs.p50)} / p50 ${fmtMs(cancel.latencyWithoutLateFileMs.p50)}`,
      figure: `max ${fmtMs(cancel.latencyWithLateFileMs.max)} / max ${fmtMs(cancel.latencyWithoutLateFileMs.max)}`,
      target: '(info)',
      pass: null,
    });
  }
  if (errors.start) {
    failed('4 start', 'start');
  } else if (results.start) {
    const start = results.start;
    add({
      scenario: `4 start → first case (median of ${start.trc.samples.length})`,
      baseline: fmtMs(start.plain.medianFirstCaseMs),
      trc: fmtMs(start.trc.medianFirstCaseMs),
      figure: `${start.differenceMs >= 0 ? '+' : ''}${fmtMs(start.differenceMs)}`,
      target: '≤ plain + 200 ms',
      pass: start.differenceMs <= 200,
    });
  }
  if (errors.setup) {
    rows.push({
      scenario: 'setup',
      baseline: '—',
      trc: '—',
      figure: `crashed: ${errors.setup.split('\n')[0].slice(0, 80)}`,
      target: '—',
      verdict: 'ERROR',
    });
  }
  return rows;
}

function buildMarkdown(report) {
  const { machine, source, plan, rows, results, errors } = report;
  const lines = [
    '# trc benchmark — latest figures',
    '',
    `- Date: ${machine.date}`,
    `- Node ${machine.node}, Vitest ${machine.vitest}`,
    `- trc: build of ${source.builtAt ?? '?'} (copied before the runs), commit ${source.commit}${source.uncommittedChanges.length > 0 ? ` plus uncommitted changes to ${source.uncommittedChanges.length} files in src/ and runner-plugin/` : ''}`,
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.totalMemGiB} GiB, ${machine.platform}; load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd.join(' ')} at end (the machine may be shared)`,
    `- Mode: ${plan.quick ? 'quick (BENCH_QUICK=1)' : 'full'}; ${plan.reps} repetitions (${plan.casesReps} for the 2,000-case suite, ${plan.filesReps} for the ${plan.sizes.manyFiles}-file suite), ${plan.pauseTrials} pause trials, ${plan.cancelTrials} cancel trials; fixtures run ${plan.sizes.maxWorkers} test workers (forks pool); took ${report.durationS} s`,
    '',
    'Every figure is a ratio, a difference or a count against a baseline measured in the same run:',
    'plain `vitest run` in the same fixture, or the moment the bench sent the request.',
    '',
    formatMarkdownTable(rows),
    '',
    '## Method',
    '',
    "- Fixtures are generated at run time in a temp folder that links trc's `node_modules`, so plain Vitest",
    '  and trc run the same Vitest. The daemon runs in the bench process (`startDaemon`, from a copy of',
    '  dist/ taken at start, safe from concurrent rebuilds) against a throwaway redis-server; runs are',
    '  driven over HTTP.',
    "- 1: plain = `node vitest.mjs run`, spawn → exit. trc = POST → the child's exit (`exitedAt` in the run",
    '  hash). Interleaved ABBA after one uncounted warm-up of each; the ratio is of the medians. CPU is the',
    '  user + system time of the Vitest child and its workers (from /proc/self/stat once reaped).',
    '- 2: one run, repeated pause → 30 ms → resume → 30 ms. Cases write their own start time',
    '  (`performance.timeOrigin + performance.now()`, the bench uses the same clock). Counted: starts after',
    '  the pause answer and before the resume was sent; latency from sending resume to the next start.',
    '- 3: cancel once some cases passed (varied per trial); latency = child exit − max(cancel sent, end of',
    '  the last case that ran), so the case in flight is not counted.',
    '- 4: plain spawn → first case start, against trc POST → first case start.',
    '',
  ];
  const phaseRows = [];
  for (const name of ['overhead-files', 'overhead-cases']) {
    const phases = results[name]?.phases;
    if (!phases) {
      continue;
    }
    const add = (phase, ms, note = '') => phaseRows.push({ name, phase, ms: fmtMs(ms), note });
    const { plain, trc } = phases;
    add('plain: spawn→exit', plain.wallMs);
    add('plain: Vitest "Duration"', plain.vitestDurationMs);
    add('plain: Vitest "tests"', plain.vitestTestsMs);
    add("plain: outside Vitest's run (boot, teardown)", plain.outsideVitestRunMs);
    add('plain: CPU of the child and its workers', plain.childCpuMs);
    add('trc: POST→spawn (HTTP, Redis, queue)', trc.postToSpawnMs);
    add('trc: spawn→exit (child lifetime)', trc.childLifetimeMs);
    add(
      'trc: Vitest "Duration" in the child',
      trc.vitestDurationMs,
      `ratio to plain ${phases.vitestDurationRatio}`,
    );
    add('trc: Vitest "tests" in the child', trc.vitestTestsMs, `ratio to plain ${phases.vitestTestsRatio}`);
    add("trc: child outside Vitest's run (launcher, Redis, teardown)", trc.childOutsideVitestRunMs);
    add('trc: exit→endedAt (settle cases)', trc.exitToEndedMs);
    add('trc: endedAt→terminal (reports)', trc.reportsMs);
    add('trc: CPU of the child and its workers', trc.childCpuMs, `ratio to plain ${phases.childCpuRatio}`);
    add(
      'trc: CPU of the daemon process, POST→terminal',
      trc.daemonCpuMs,
      'includes reports and the bench polling',
    );
    add('trc: CPU of redis-server, POST→terminal', trc.redisCpuMs);
  }
  if (phaseRows.length > 0) {
    lines.push('## Where the time goes (medians, scenario 1)', '');
    lines.push(
      formatMarkdownTable(phaseRows, [
        ['name', 'Scenario'],
        ['phase', 'Phase'],
        ['ms', 'Median'],
        ['note', 'Note'],
      ]),
      '',
    );
  }
  if (Object.keys(errors).length > 0) {
    lines.push('## Errors', '');
    for (const [name, text] of Object.entries(errors)) {
      lines.push(`- ${name}: ${text.split('\n')[0]}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`[bench] crashed: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
