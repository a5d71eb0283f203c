import { Router } from 'express';
import type { Logger } from 'pino';
import type { RunService } from '../runs/run-service.types.js';

/** How long `GET /healthz` waits for the service before it answers 503. */
const HEALTH_TIMEOUT_MS = 2000;

/** What the health router needs. */
export interface HealthRouterDeps {
  runs: RunService;
  logger: Logger;
}

async function checkHealth(deps: HealthRouterDeps): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
  });
  const check = deps.runs.isHealthy().catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'health check failed');
    return false;
  });
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /healthz`: 200 `{status:'ok'}` when the service (Redis) answers, else 503 `{status:'unavailable'}`. Needs no token. */
export function createHealthRouter(deps: HealthRouterDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const isHealthy = await checkHealth(deps);
    res
      .status(isHealthy ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: isHealthy ? 'ok' : 'unavailable' });
  });
  return router;
}
