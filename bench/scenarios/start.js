import path from 'node:path';
import { runPlainVitest } from '../lib/plain-vitest.js';
import { readStarts } from '../lib/starts-log.js';
import { median, round } from '../lib/stats.js';

/**
 * Scenario 4, cold start: spawn → first case start for plain Vitest against POST → first case
 * start for trc, on a one-file suite, interleaved, after one uncounted warm-up of each.
 */
export async function measureStart(ctx, { reps, warmup }) {
  const dir = ctx.projects.start;
  const plain = [];
  const trc = [];
  if (warmup) {
    await runPlainOnce(ctx, dir, 'warmup');
    await runTrcOnce(ctx, 'warmup');
  }
  for (let rep = 0; rep < reps; rep += 1) {
    const order = rep % 2 === 0 ? ['plain', 'trc'] : ['trc', 'plain'];
    for (const which of order) {
      if (which === 'plain') {
        plain.push(await runPlainOnce(ctx, dir, rep));
      } else {
        trc.push(await runTrcOnce(ctx, rep));
      }
    }
    ctx.log(
      `start: rep ${rep + 1}/${reps} plain ${plain.at(-1).firstCaseMs} ms, trc ${trc.at(-1).firstCaseMs} ms`,
    );
  }
  const plainMedian = median(plain.map((s) => s.firstCaseMs));
  const trcMedian = median(trc.map((s) => s.firstCaseMs));
  return {
    plain: { medianFirstCaseMs: round(plainMedian), samples: plain },
    trc: {
      medianFirstCaseMs: round(trcMedian),
      medianPostToSpawnMs: round(median(trc.map((s) => s.postToSpawnMs))),
      medianSpawnToFirstCaseMs: round(median(trc.map((s) => s.spawnToFirstCaseMs))),
      samples: trc,
    },
    differenceMs: round(trcMedian - plainMedian),
  };
}

async function runPlainOnce(ctx, dir, label) {
  const startsFile = path.join(ctx.outputDir, `start-plain-${label}.jsonl`);
  const outFile = path.join(ctx.outputDir, `start-plain-${label}.log`);
  const result = await runPlainVitest({ cwd: dir, outFile, env: { BENCH_STARTS: startsFile } });
  const first = readStarts(startsFile)[0];
  if (result.exitCode !== 0 || !first) {
    throw new Error(`plain Vitest start run failed (exit ${result.exitCode}); output in ${outFile}`);
  }
  return { firstCaseMs: round(first.t - result.spawnedAt), wallMs: round(result.wallMs) };
}

async function runTrcOnce(ctx, label) {
  const startsFile = path.join(ctx.outputDir, `start-trc-${label}.jsonl`);
  const { run, sentAt } = await ctx.client.startRun({ project: 'start', env: { BENCH_STARTS: startsFile } });
  const end = await ctx.client.waitForTerminal(run.runId);
  const first = readStarts(startsFile)[0];
  if (end.run.status !== 'COMPLETED' || !first) {
    throw new Error(`trc start run ${run.runId} ended ${end.run.status}: ${end.run.reason ?? ''}`);
  }
  const startedAt = Date.parse(end.run.startedAt);
  return {
    runId: run.runId,
    firstCaseMs: round(first.t - sentAt),
    postToSpawnMs: round(startedAt - sentAt),
    spawnToFirstCaseMs: round(first.t - startedAt),
    exitMs: end.exitedAt === null ? null : round(end.exitedAt - sentAt),
  };
}
