import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readOwnCpuMs, readReapedChildrenCpuMs, readRedisCpuMs } from '../lib/cpu.js';
import { parseVitestSummary, runPlainVitest } from '../lib/plain-vitest.js';
import { median, round } from '../lib/stats.js';

/**
 * Idle time before each measured run: what one run leaves behind (the daemon's reports, the
 * launcher it starts ahead of the next run) must not slow the next, plain or trc.
 */
const SETTLE_MS = 300;

/**
 * Scenario 1, control overhead: the same suite run by plain Vitest and by trc, interleaved
 * (ABBA order so slow drift hits both), after one uncounted warm-up of each.
 * Figure: median(trc POST → child exit) / median(plain spawn → exit). Beside it, where trc's
 * time goes: phases from the run's timestamps, Vitest's own summary, and CPU time (child tree,
 * this process, redis-server), which a busy shared machine disturbs far less than wall time.
 */
export async function measureOverhead(ctx, { key, project, reps, warmup }) {
  const dir = ctx.projects[project];
  const plain = [];
  const trc = [];
  if (warmup) {
    ctx.log(`${key}: warm-up (plain, trc)`);
    await runPlainOnce(ctx, dir, `${key}-warmup`);
    await runTrcOnce(ctx, project);
  }
  for (let rep = 0; rep < reps; rep += 1) {
    const order = rep % 2 === 0 ? ['plain', 'trc'] : ['trc', 'plain'];
    for (const which of order) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      if (which === 'plain') {
        const sample = await runPlainOnce(ctx, dir, `${key}-${rep}`);
        plain.push(sample);
        ctx.log(`${key}: rep ${rep + 1}/${reps} plain ${sample.wallMs.toFixed(0)} ms`);
      } else {
        const sample = await runTrcOnce(ctx, project);
        trc.push(sample);
        ctx.log(
          `${key}: rep ${rep + 1}/${reps} trc ${sample.exitMs.toFixed(0)} ms to exit, ${sample.terminalMs.toFixed(0)} ms to terminal`,
        );
      }
    }
  }
  const plainMedian = median(plain.map((s) => s.wallMs));
  const trcExitMedian = median(trc.map((s) => s.exitMs));
  const trcTerminalMedian = median(trc.map((s) => s.terminalMs));
  return {
    plain: { medianMs: round(plainMedian), samples: plain },
    trc: { medianExitMs: round(trcExitMedian), medianTerminalMs: round(trcTerminalMedian), samples: trc },
    ratioExit: round(trcExitMedian / plainMedian, 3),
    ratioTerminal: round(trcTerminalMedian / plainMedian, 3),
    phases: describePhases(plain, trc),
  };
}

async function runPlainOnce(ctx, dir, label) {
  const outFile = path.join(ctx.outputDir, `${label}-plain.log`);
  const result = await runPlainVitest({ cwd: dir, outFile });
  if (result.exitCode !== 0) {
    throw new Error(
      `plain Vitest exited with ${result.exitCode} in ${dir}; output in ${outFile}:\n${result.output.slice(-2000)}`,
    );
  }
  return {
    wallMs: round(result.wallMs),
    vitestDurationMs: result.vitestDurationMs,
    vitestTestsMs: result.vitestTestsMs,
    childCpuMs: result.cpuMs,
  };
}

async function runTrcOnce(ctx, project) {
  const childCpuBefore = readReapedChildrenCpuMs();
  const ownCpuBefore = readOwnCpuMs();
  const redisCpuBefore = await readRedisCpuMs(ctx.client.redis);
  const { run, sentAt } = await ctx.client.startRun({ project });
  const end = await ctx.client.waitForTerminal(run.runId);
  const childCpuMs = childCpuBefore === null ? null : readReapedChildrenCpuMs() - childCpuBefore;
  const ownCpuMs = readOwnCpuMs() - ownCpuBefore;
  const redisCpuMs = (await readRedisCpuMs(ctx.client.redis)) - redisCpuBefore;
  if (end.run.status !== 'COMPLETED' || end.run.result !== 'passed') {
    const failed = (await ctx.client.getTests(run.runId)).filter((test) => test.status === 'failed');
    const detail = failed
      .slice(0, 3)
      .map((test) => `${test.fullName}: ${test.error?.message ?? '?'}`)
      .join('; ');
    throw new Error(
      `trc run ${run.runId} ended ${end.run.status}/${end.run.result} (plain Vitest passes the same suite): ` +
        `${end.run.reason ?? ''} counts ${JSON.stringify(end.run.counts)}; ${failed.length} failed: ${detail}`,
    );
  }
  if (end.exitedAt === null) {
    throw new Error(`trc run ${run.runId} has no exitedAt in Redis`);
  }
  const startedAt = Date.parse(end.run.startedAt);
  const endedAt = Date.parse(end.run.endedAt);
  const summary = parseVitestSummary(
    await readFile(path.join(ctx.logsDir, run.runId, 'run.log'), 'utf8').catch(() => ''),
  );
  return {
    runId: run.runId,
    exitMs: round(end.exitedAt - sentAt),
    terminalMs: round(end.terminalAt - sentAt),
    postToSpawnMs: round(startedAt - sentAt),
    childLifetimeMs: round(end.exitedAt - startedAt),
    exitToEndedMs: round(endedAt - end.exitedAt),
    reportsMs: round(end.terminalAt - endedAt),
    vitestDurationMs: summary.durationMs,
    vitestTestsMs: summary.testsMs,
    childCpuMs,
    daemonCpuMs: round(ownCpuMs),
    redisCpuMs: round(redisCpuMs),
    counts: end.run.counts,
  };
}

/** Medians of where the time goes, trc beside plain. */
function describePhases(plain, trc) {
  const m = (list, field) => round(median(list.map((s) => s[field])));
  const ratio = (a, b) => (a === null || b === null || b === 0 ? null : round(a / b, 3));
  const plainPhases = {
    wallMs: m(plain, 'wallMs'),
    vitestDurationMs: m(plain, 'vitestDurationMs'),
    vitestTestsMs: m(plain, 'vitestTestsMs'),
    childCpuMs: m(plain, 'childCpuMs'),
  };
  plainPhases.outsideVitestRunMs = round(plainPhases.wallMs - plainPhases.vitestDurationMs);
  const trcPhases = {
    postToSpawnMs: m(trc, 'postToSpawnMs'),
    childLifetimeMs: m(trc, 'childLifetimeMs'),
    vitestDurationMs: m(trc, 'vitestDurationMs'),
    vitestTestsMs: m(trc, 'vitestTestsMs'),
    exitToEndedMs: m(trc, 'exitToEndedMs'),
    reportsMs: m(trc, 'reportsMs'),
    childCpuMs: m(trc, 'childCpuMs'),
    daemonCpuMs: m(trc, 'daemonCpuMs'),
    redisCpuMs: m(trc, 'redisCpuMs'),
  };
  trcPhases.childOutsideVitestRunMs = round(trcPhases.childLifetimeMs - trcPhases.vitestDurationMs);
  return {
    plain: plainPhases,
    trc: trcPhases,
    vitestDurationRatio: ratio(trcPhases.vitestDurationMs, plainPhases.vitestDurationMs),
    vitestTestsRatio: ratio(trcPhases.vitestTestsMs, plainPhases.vitestTestsMs),
    childCpuRatio: ratio(trcPhases.childCpuMs, plainPhases.childCpuMs),
  };
}
