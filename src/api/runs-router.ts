import { Router } from 'express';
import type { RunService } from '../runs/run-service.types.js';
import { buildRunPath, toPublicUrl } from './api-paths.js';
import { readJsonBody } from './json-body.js';
import { parseInput } from './parse-input.js';
import { createRunBodySchema, deleteRunQuerySchema, listRunsQuerySchema } from './request-schemas.js';
import { parseRunId } from './route-params.js';
import { toApiRun } from './serialize-run.js';

/** What the runs router needs. */
export interface RunsRouterDeps {
  runs: RunService;
  /** When set, `Location` is absolute under this base URL. */
  publicBaseUrl?: string;
}

/**
 * Routes of the runs resource, relative to `/api/v1/runs`: create, list, get, pause, resume,
 * cancel, delete, and the run's test cases.
 */
export function createRunsRouter(deps: RunsRouterDeps): Router {
  const { runs, publicBaseUrl } = deps;
  const router = Router();

  router.post('/', async (req, res) => {
    const request = parseInput(createRunBodySchema, readJsonBody(req), 'request body');
    const run = await runs.createRun(request);
    res
      .status(202)
      .location(toPublicUrl(buildRunPath(run.runId), publicBaseUrl))
      .json({ run: toApiRun(run) });
  });

  router.get('/', async (req, res) => {
    const query = parseInput(listRunsQuerySchema, req.query, 'query');
    const page = await runs.listRuns(query);
    res.json({ runs: page.runs.map(toApiRun), nextCursor: page.nextCursor });
  });

  router.get('/:runId', async (req, res) => {
    const run = await runs.getRun(parseRunId(req.params.runId));
    res.json({ run: toApiRun(run) });
  });

  router.post('/:runId/pause', async (req, res) => {
    const run = await runs.pauseRun(parseRunId(req.params.runId));
    res.json({ run: toApiRun(run) });
  });

  router.post('/:runId/resume', async (req, res) => {
    const run = await runs.resumeRun(parseRunId(req.params.runId));
    res.json({ run: toApiRun(run) });
  });

  router.post('/:runId/cancel', async (req, res) => {
    const run = await runs.cancelRun(parseRunId(req.params.runId));
    res.status(202).json({ run: toApiRun(run) });
  });

  router.delete('/:runId', async (req, res) => {
    const runId = parseRunId(req.params.runId);
    const options = parseInput(deleteRunQuerySchema, req.query, 'query');
    await runs.deleteRun(runId, options);
    res.status(204).end();
  });

  router.get('/:runId/tests', async (req, res) => {
    const tests = await runs.listTests(parseRunId(req.params.runId));
    res.json({ tests });
  });

  return router;
}
