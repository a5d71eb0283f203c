/**
 * What test code can use from trc: `import { getTraceId, getLogger } from 'trc/runner-plugin'`.
 * Under trc each case has a trace id (also `ctx.task.meta.traceId`) and its own log file;
 * outside trc the logger writes to stdout and there is no trace id.
 */
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { getTraceState } from './trace-state.js';

/** The test context, or just its task: pass it for exact results with concurrent cases. */
export type TaskLike = { task: { meta: Record<string, unknown> } } | { meta: Record<string, unknown> };

const loggers = new Map<string, Logger>();

function metaOf(context?: TaskLike): Record<string, unknown> | undefined {
  if (!context) {
    return getTraceState().current?.meta;
  }
  return 'task' in context ? context.task.meta : context.meta;
}

/** The trace id of the given case (or of the case running now), or undefined outside trc. */
export function getTraceId(context?: TaskLike): string | undefined {
  const traceId = metaOf(context)?.traceId;
  return typeof traceId === 'string' ? traceId : undefined;
}

/** A pino logger that writes into the case's own log file (`logs/<runId>/<traceId>.log`). */
export function getLogger(context?: TaskLike): Logger {
  const traceId = getTraceId(context);
  const logsDir = getTraceState().logsDir;
  const key = traceId && logsDir ? traceId : '';
  let logger = loggers.get(key);
  if (!logger) {
    logger =
      key && logsDir
        ? pino(
            { base: { traceId } },
            pino.destination({
              dest: path.join(logsDir, `${key}.log`),
              sync: true,
              append: true,
              mkdir: true,
            }),
          )
        : pino({ base: traceId ? { traceId } : {} });
    loggers.set(key, logger);
  }
  return logger;
}
