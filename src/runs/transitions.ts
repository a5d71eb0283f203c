import { AppError } from '../errors.js';
import { TERMINAL_STATUSES, type RunStatus } from './model.js';

export type RunAction = 'pause' | 'resume' | 'cancel' | 'delete';

/** The statuses each request is allowed from (DESIGN.md, run lifecycle). */
export const ALLOWED_FROM: Readonly<Record<RunAction, readonly RunStatus[]>> = {
  pause: ['PENDING', 'RUNNING'],
  resume: ['PAUSED'],
  cancel: ['PENDING', 'RUNNING', 'PAUSED'],
  delete: TERMINAL_STATUSES,
};

export function allowedActions(status: RunStatus): RunAction[] {
  return (Object.keys(ALLOWED_FROM) as RunAction[]).filter((action) => ALLOWED_FROM[action].includes(status));
}

export function isAllowed(action: RunAction, status: RunStatus): boolean {
  return ALLOWED_FROM[action].includes(status);
}

/** The 409 for a request the run's status does not allow. */
export function createTransitionError(runId: string, action: RunAction, status: RunStatus): AppError {
  const allowed = allowedActions(status);
  return new AppError(
    `cannot ${action} run ${runId}: it is ${status}; allowed now: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
    { code: 'INVALID_TRANSITION', details: { status, allowedActions: allowed } },
  );
}
