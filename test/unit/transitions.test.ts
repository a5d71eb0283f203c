import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { RUN_STATUSES, type RunStatus } from '../../src/runs/model.js';
import {
  allowedActions,
  createTransitionError,
  isAllowed,
  type RunAction,
} from '../../src/runs/transitions.js';

/** The lifecycle table of DESIGN.md, written out by hand. */
const EXPECTED: Record<RunStatus, RunAction[]> = {
  PENDING: ['pause', 'cancel'],
  RUNNING: ['pause', 'cancel'],
  PAUSED: ['resume', 'cancel'],
  COMPLETED: ['delete'],
  FAILED: ['delete'],
  CANCELLED: ['delete'],
  TIMED_OUT: ['delete'],
};
const ACTIONS: RunAction[] = ['pause', 'resume', 'cancel', 'delete'];

describe('allowedActions', () => {
  it.each(RUN_STATUSES)('allows from %s exactly what DESIGN.md lists', (status) => {
    expect([...allowedActions(status)].sort()).toEqual([...EXPECTED[status]].sort());
  });
});

describe('isAllowed', () => {
  const cases = RUN_STATUSES.flatMap((status) =>
    ACTIONS.map((action) => ({ action, status, allowed: EXPECTED[status].includes(action) })),
  );
  it.each(cases)('$action from $status → $allowed', ({ action, status, allowed }) => {
    expect(isAllowed(action, status)).toBe(allowed);
  });
});

describe('createTransitionError', () => {
  it('is a 409 INVALID_TRANSITION naming the run, the action, the status and what is allowed', () => {
    const error = createTransitionError('test_20240101_000000_abcdef01', 'resume', 'RUNNING');
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.status).toBe(409);
    expect(error.message).toContain('test_20240101_000000_abcdef01');
    expect(error.message).toContain('resume');
    expect(error.message).toContain('RUNNING');
    expect(error.message).toMatch(/pause, cancel/);
    expect(error.details).toEqual({ status: 'RUNNING', allowedActions: ['pause', 'cancel'] });
  });

  it('lists only delete for a terminal run', () => {
    const error = createTransitionError('test_20240101_000000_abcdef01', 'pause', 'COMPLETED');
    expect(error.message).toContain('COMPLETED');
    expect(error.message).toMatch(/allowed now: delete$/);
    expect(error.details).toEqual({ status: 'COMPLETED', allowedActions: ['delete'] });
  });
});
