import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { RunService } from '../runs/run-service.types.js';
import { API_PREFIX, RUNS_PATH } from './api-paths.js';
import { createAuthMiddleware } from './auth.js';
import { createErrorMiddleware } from './error-middleware.js';
import { createHealthRouter } from './health-router.js';
import { createIndexRouter } from './index-router.js';
import { createLogsRouter } from './logs-router.js';
import { createReportsRouter } from './reports-router.js';
import { createRunsRouter } from './runs-router.js';

/** Largest accepted request body (DESIGN: over 1 MiB is 413). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What the HTTP app needs; `main.ts` wires it. */
export interface AppDeps {
  runs: RunService;
  logger: Logger;
  /** When set, every route but `GET /healthz` needs `Authorization: Bearer <apiToken>`. Must not be empty. */
  apiToken?: string;
  /** Public origin (and path prefix) of the daemon, e.g. `https://trc.example.com`; makes `Location` and log URLs absolute. */
  publicBaseUrl?: string;
}

const rejectUnknownRoute: RequestHandler = (req, _res, next) => {
  next(new AppError(`No route for ${req.method} ${req.path}`, { code: 'NOT_FOUND' }));
};

/** Builds the Express app of HTTP API v1 (see DESIGN.md) without listening. */
export function createApp(deps: AppDeps): Express {
  if (deps.apiToken === '') {
    throw new Error('apiToken must not be empty: leave it unset to turn authentication off');
  }
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(createHealthRouter(deps));
  if (deps.apiToken !== undefined) {
    app.use(createAuthMiddleware(deps.apiToken));
  }
  app.use(express.json({ limit: MAX_BODY_BYTES }));
  app.use(API_PREFIX, createIndexRouter());
  app.use(RUNS_PATH, createRunsRouter(deps));
  app.use(RUNS_PATH, createLogsRouter(deps));
  app.use(RUNS_PATH, createReportsRouter(deps));
  app.use(rejectUnknownRoute);
  app.use(createErrorMiddleware(deps.logger));
  return app;
}
