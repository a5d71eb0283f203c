import { Router } from 'express';

/** The endpoints of HTTP API v1, as listed by `GET /api/v1`. */
export const API_ENDPOINTS: readonly string[] = [
  'POST /api/v1/runs',
  'GET /api/v1/runs?status=&limit=&cursor=',
  'GET /api/v1/runs/:runId',
  'POST /api/v1/runs/:runId/pause',
  'POST /api/v1/runs/:runId/resume',
  'POST /api/v1/runs/:runId/cancel',
  'DELETE /api/v1/runs/:runId?keepReports=',
  'GET /api/v1/runs/:runId/tests',
  'GET /api/v1/runs/:runId/logs',
  'GET /api/v1/runs/:runId/logs/run',
  'GET /api/v1/runs/:runId/logs/:traceId',
  'GET /api/v1/runs/:runId/report',
  'GET /api/v1/runs/:runId/report/junit.xml',
  'GET /api/v1/runs/:runId/report/archive',
  'GET /healthz',
];

/** `GET /api/v1`: a small index of the API (version and endpoints), mounted at `/api/v1`. */
export function createIndexRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ name: 'trc', version: 'v1', endpoints: API_ENDPOINTS });
  });
  return router;
}
