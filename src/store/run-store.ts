import type { Redis } from 'ioredis';
import type {
  RunCounts,
  RunRecord,
  RunStatus,
  TestError,
  TestRecord,
  TestRecordChange,
} from '../runs/model.js';
import { TERMINAL_STATUSES } from '../runs/model.js';
import type { FileState, TestBatch } from '../runs/test-batch.js';
import { TestProgress } from '../runs/test-progress.js';
import type { ControlFlags, ControlMessage } from '../runner/env-contract.js';
import { COUNTER_FIELDS, type RedisKeys } from './keys.js';
import { CREATE_RUN, DELETE_RUN, TRANSITION } from './lua-scripts.js';
import { decodeRun, encodeRunFields, type RunFields } from './run-codec.js';
import { deriveTraceIds } from '../runner/trace-id.js';
import { decodeTestRecord, encodeTestRecord } from './test-codec.js';

export type TransitionOutcome =
  | { kind: 'applied'; status: RunStatus; controlReady: boolean }
  | { kind: 'refused'; status: RunStatus }
  | { kind: 'missing' };

/** What the Vitest child says of itself (see RunStore.setChildState). */
export interface ChildState {
  controlReady?: true;
  childFinished?: string;
  childErrors?: TestError[];
  childError?: string;
}

export interface TransitionSpec {
  /** Statuses the run may be in; `*` for any. */
  from: readonly RunStatus[] | '*';
  to?: RunStatus;
  set?: RunFields;
  /** Only when this field is absent (e.g. `startedAt`: the run never started). */
  unless?: string;
}

export interface RunInternals {
  stopReason: string | null;
  /** The child's own end reason (`passed`, `failed`, `interrupted`); null when it never got there. */
  childFinished: string | null;
  /** An error that stopped Vitest before the run (bad config, no test files). */
  childError: string | null;
  /** Errors outside any test case (unhandled rejections and the like). */
  childErrors: TestError[];
}

type ScriptReply = [number, string?, string?];

interface ScriptedRedis extends Redis {
  trcCreateRun(...args: string[]): Promise<number>;
  trcTransition(...args: string[]): Promise<ScriptReply>;
  trcDeleteRun(...args: string[]): Promise<ScriptReply>;
}

/** The only code that reads and writes run metadata in Redis. */
export class RunStore {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    readonly keys: RedisKeys,
  ) {
    redis.defineCommand('trcCreateRun', { numberOfKeys: 3, lua: CREATE_RUN });
    redis.defineCommand('trcTransition', { numberOfKeys: 2, lua: TRANSITION });
    redis.defineCommand('trcDeleteRun', { numberOfKeys: 6, lua: DELETE_RUN });
    this.redis = redis as ScriptedRedis;
  }

  async createRun(run: RunRecord): Promise<void> {
    const { runId, status, counts: _counts, ...rest } = run;
    await this.redis.trcCreateRun(
      this.keys.run(runId),
      this.keys.sequence(),
      this.keys.runs(),
      this.keys.prefix,
      status,
      runId,
      ...encodeRunFields(rest, { omitNulls: true }),
    );
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    return decodeRun(await this.redis.hgetall(this.keys.run(runId)));
  }

  /** Internal fields beside the public record: the stop reason and what the child reported. */
  async getInternal(runId: string): Promise<RunInternals> {
    const [stopReason, childFinished, childError, childErrors] = await this.redis.hmget(
      this.keys.run(runId),
      'stopReason',
      'childFinished',
      'childError',
      'childErrors',
    );
    return {
      stopReason: stopReason ?? null,
      childFinished: childFinished ?? null,
      childError: childError ?? null,
      childErrors: childErrors ? (JSON.parse(childErrors) as TestError[]) : [],
    };
  }

  /** `host:pid` of the daemon that executes the run, if one claimed it. */
  async getOwner(runId: string): Promise<string | null> {
    return this.redis.hget(this.keys.run(runId), 'owner');
  }

  async getRuns(runIds: readonly string[]): Promise<RunRecord[]> {
    if (runIds.length === 0) {
      return [];
    }
    const pipeline = this.redis.pipeline();
    for (const runId of runIds) {
      pipeline.hgetall(this.keys.run(runId));
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([, hash]) => decodeRun((hash ?? {}) as Record<string, string>))
      .filter((run): run is RunRecord => run !== null);
  }

  /** Run ids newest first; `before` is an exclusive sequence bound for paging. */
  async listRunIds(options: {
    status?: RunStatus;
    limit: number;
    before?: number;
  }): Promise<Array<{ runId: string; seq: number }>> {
    const key = options.status ? this.keys.runsByStatus(options.status) : this.keys.runs();
    const max = options.before === undefined ? '+inf' : `(${options.before}`;
    const flat = await this.redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', 0, options.limit);
    const rows: Array<{ runId: string; seq: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      rows.push({ runId: flat[i] as string, seq: Number(flat[i + 1]) });
    }
    return rows;
  }

  async transition(runId: string, spec: TransitionSpec): Promise<TransitionOutcome> {
    const to = spec.to ?? '';
    const endedAtMs = to && TERMINAL_STATUSES.includes(to) ? String(Date.now()) : '';
    const reply = await this.redis.trcTransition(
      this.keys.run(runId),
      this.keys.finished(),
      this.keys.prefix,
      spec.from === '*' ? '*' : spec.from.join(','),
      to,
      endedAtMs,
      spec.unless ?? '',
      ...encodeRunFields(spec.set ?? {}),
    );
    if (reply[0] === -1) {
      return { kind: 'missing' };
    }
    if (reply[0] === 0) {
      return { kind: 'refused', status: reply[1] as RunStatus };
    }
    return { kind: 'applied', status: reply[1] as RunStatus, controlReady: reply[2] === '1' };
  }

  /** Remove a terminal run's metadata; returns the refused status when it is not terminal. */
  async deleteRun(runId: string): Promise<TransitionOutcome> {
    const reply = await this.redis.trcDeleteRun(
      this.keys.run(runId),
      this.keys.tests(runId),
      this.keys.files(runId),
      this.keys.runs(),
      this.keys.finished(),
      this.keys.progress(runId),
      this.keys.prefix,
      TERMINAL_STATUSES.join(','),
    );
    if (reply[0] === -1) {
      return { kind: 'missing' };
    }
    if (reply[0] === 0) {
      return { kind: 'refused', status: reply[1] as RunStatus };
    }
    return { kind: 'applied', status: reply[1] as RunStatus, controlReady: false };
  }

  /** The run's case records in the order first reported: the settled ones, with a live run's batches merged on top. */
  async getTests(runId: string): Promise<TestRecord[]> {
    const replies = await this.redis
      .multi()
      .hgetall(this.keys.tests(runId))
      .lrange(this.keys.progress(runId), 0, -1)
      .exec();
    const hash = (replies?.[0]?.[1] ?? {}) as Record<string, string>;
    const batches = (replies?.[1]?.[1] ?? []) as string[];
    const traceFor = deriveTraceIds(runId);
    const settled = Object.values(hash)
      .map((json) => decodeTestRecord(json, traceFor))
      .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    if (batches.length === 0) {
      return settled;
    }
    const progress = new TestProgress(settled);
    for (const json of batches) {
      progress.applyBatch(JSON.parse(json) as TestBatch);
    }
    return progress
      .records()
      .map((record) => (record.traceId ? record : { ...record, traceId: traceFor(record.id) }));
  }

  /** Test files the child planned, with `planned` or `started`. */
  async getFiles(runId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.files(runId));
  }

  /** Replace the run's test records and counters with final values (after the child exited). */
  async writeFinalTests(runId: string, tests: readonly TestRecord[], counts: RunCounts): Promise<void> {
    const multi = this.redis.multi().del(this.keys.tests(runId), this.keys.progress(runId));
    if (tests.length > 0) {
      const traceFor = deriveTraceIds(runId);
      multi.hset(
        this.keys.tests(runId),
        ...tests.flatMap((test) => [test.id, encodeTestRecord(test, traceFor)]),
      );
    }
    multi.hset(this.keys.run(runId), ...counterFields(counts));
    await multi.exec();
  }

  /** Take a run out of the retention set once its reports are gone. */
  async forgetFinished(runId: string): Promise<void> {
    await this.redis.zrem(this.keys.finished(), runId);
  }

  /** Finished runs that still have reports, beyond the newest `keep`. */
  async listFinishedBeyond(keep: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.finished(), keep, -1);
  }

  /** The flags the Vitest child acts on: a stop for timeout counts as a cancel with that reason. */
  async getControlFlags(runId: string): Promise<ControlFlags> {
    const [paused, cancelled, stopReason] = await this.redis.hmget(
      this.keys.run(runId),
      'pauseRequested',
      'cancelRequested',
      'stopReason',
    );
    const isStopping = cancelled === '1' || stopReason === 'timed out';
    return { paused: paused === '1', cancelled: isStopping, reason: stopReason ?? 'cancelled' };
  }

  /**
   * Batches from the child, in the order they came, with their summed counter deltas and test
   * files' latest states, together in one MULTI. Each batch is stored as it came (one string,
   * however many cases it names): a reader merges the batches, so a 2,000-case run costs the daemon
   * and Redis a few writes instead of a record each.
   */
  async appendTestProgress(
    runId: string,
    batches: ReadonlyArray<Omit<TestBatch, 'files'>>,
    deltas: Readonly<Record<string, number>>,
    files: Readonly<Record<string, FileState>> = {},
  ): Promise<void> {
    const fileFields = Object.entries(files).flat();
    const stored = batches
      .filter((batch) => batch.collected?.length || batch.changes?.length || batch.passed?.length)
      .map((batch) => JSON.stringify(batch));
    if (stored.length === 0 && fileFields.length === 0) {
      return;
    }
    const multi = this.redis.multi();
    if (fileFields.length > 0) {
      multi.hset(this.keys.files(runId), ...fileFields);
    }
    if (stored.length > 0) {
      multi.rpush(this.keys.progress(runId), ...stored);
    }
    for (const [field, delta] of Object.entries(deltas)) {
      if (delta !== 0) {
        multi.hincrby(this.keys.run(runId), field, delta);
      }
    }
    await multi.exec();
  }

  /**
   * Replace what a live run's child reported (stored batches, file states, counters, its state)
   * with the whole of it so far, in one transaction: one batch of every record, absolute counters.
   * Makes good a write that failed.
   */
  async rewriteChildReport(
    runId: string,
    report: {
      records: readonly TestRecord[];
      counts: RunCounts;
      files: Readonly<Record<string, FileState>>;
      state: ChildState;
    },
  ): Promise<void> {
    const multi = this.redis.multi().del(this.keys.progress(runId), this.keys.files(runId));
    if (report.records.length > 0) {
      const changes: TestRecordChange[] = report.records.map(({ seq: _seq, ...record }) => record);
      multi.rpush(this.keys.progress(runId), JSON.stringify({ changes } satisfies TestBatch));
    }
    const fileFields = Object.entries(report.files).flat();
    if (fileFields.length > 0) {
      multi.hset(this.keys.files(runId), ...fileFields);
    }
    multi.hset(this.keys.run(runId), ...counterFields(report.counts), ...childStateFields(report.state));
    await multi.exec();
  }

  /** What the child says of itself: its flags are in place, how Vitest ended, or why it could not run. */
  async setChildState(runId: string, state: ChildState): Promise<void> {
    const fields = childStateFields(state);
    if (fields.length > 0) {
      await this.redis.hset(this.keys.run(runId), ...fields);
    }
  }

  /** Tell whoever waits on a control message that the child applied it. */
  async publishAck(runId: string, nonce: string): Promise<void> {
    await this.redis.publish(this.keys.ack(runId), nonce);
  }

  async publishControl(runId: string, message: ControlMessage): Promise<void> {
    await this.redis.publish(this.keys.control(runId), JSON.stringify(message));
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}

/** Counters as run-hash fields and values. */
function counterFields(counts: RunCounts): string[] {
  return Object.entries(counts).flatMap(([name, value]) => [
    COUNTER_FIELDS[name as keyof RunCounts],
    String(value),
  ]);
}

/** The child's state as run-hash fields and values. */
function childStateFields(state: ChildState): string[] {
  const fields: string[] = [];
  if (state.controlReady) {
    fields.push('controlReady', '1');
  }
  if (state.childFinished !== undefined) {
    fields.push('childFinished', state.childFinished);
  }
  if (state.childErrors && state.childErrors.length > 0) {
    fields.push('childErrors', JSON.stringify(state.childErrors));
  }
  if (state.childError !== undefined) {
    fields.push('childError', state.childError);
  }
  return fields;
}
