import type { RunRecord } from '../runs/model.js';
import { buildRunPath } from './api-paths.js';

/** Relative URLs of the endpoints of one run. */
export interface RunLinks {
  self: string;
  pause: string;
  resume: string;
  cancel: string;
  tests: string;
  logs: string;
  report: string;
  junit: string;
  archive: string;
}

/** A run as the API answers it: every stored field plus `links`. */
export interface ApiRun extends RunRecord {
  links: RunLinks;
}

/** Builds the relative links of a run's endpoints. */
export function buildRunLinks(runId: string): RunLinks {
  return {
    self: buildRunPath(runId),
    pause: buildRunPath(runId, 'pause'),
    resume: buildRunPath(runId, 'resume'),
    cancel: buildRunPath(runId, 'cancel'),
    tests: buildRunPath(runId, 'tests'),
    logs: buildRunPath(runId, 'logs'),
    report: buildRunPath(runId, 'report'),
    junit: buildRunPath(runId, 'report', 'junit.xml'),
    archive: buildRunPath(runId, 'report', 'archive'),
  };
}

/** Shown instead of the child's environment values, which often hold secrets. */
export const REDACTED_VALUE = '***';

/** Turns a stored run into its API shape: adds `links`; `env` keeps its names, never its values. */
export function toApiRun(run: RunRecord): ApiRun {
  const env = Object.fromEntries(Object.keys(run.env).map((name) => [name, REDACTED_VALUE]));
  return { ...run, env, links: buildRunLinks(run.runId) };
}
