import { Router } from 'express';
import type { RunService } from '../runs/run-service.types.js';
import { buildRunPath, toPublicUrl } from './api-paths.js';
import { sendTextFile } from './file-response.js';
import { parseRunId, parseTraceId } from './route-params.js';

/** What the logs router needs. */
export interface LogsRouterDeps {
  runs: RunService;
  /** When set, the `url` fields of the log listing are absolute under this base URL. */
  publicBaseUrl?: string;
}

/**
 * Routes of a run's logs, relative to `/api/v1/runs`: the listing, the child's run.log and
 * one log per test case (text/plain; empty while the file does not exist).
 */
export function createLogsRouter(deps: LogsRouterDeps): Router {
  const { runs, publicBaseUrl } = deps;
  const router = Router();

  router.get('/:runId/logs', async (req, res) => {
    const runId = parseRunId(req.params.runId);
    const entries = await runs.listLogs(runId);
    res.json({
      runLog: toPublicUrl(buildRunPath(runId, 'logs', 'run'), publicBaseUrl),
      logs: entries.map((entry) => ({
        traceId: entry.traceId,
        testId: entry.testId,
        fullName: entry.fullName,
        bytes: entry.bytes,
        url: toPublicUrl(buildRunPath(runId, 'logs', entry.traceId), publicBaseUrl),
      })),
    });
  });

  router.get('/:runId/logs/run', async (req, res) => {
    const path = await runs.runLogPath(parseRunId(req.params.runId));
    await sendTextFile(res, path);
  });

  router.get('/:runId/logs/:traceId', async (req, res) => {
    const runId = parseRunId(req.params.runId);
    const traceId = parseTraceId(req.params.traceId);
    await sendTextFile(res, await runs.testLogPath(runId, traceId));
  });

  return router;
}
