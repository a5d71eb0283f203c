import { z } from 'zod';
import { RUN_STATUSES, type RunRequest } from '../runs/model.js';
import type { ListRunsQuery } from '../runs/run-service.types.js';
import { describePathProblem } from './relative-path.js';

const MAX_PATH_LENGTH = 4096;
const MAX_PATTERN_LENGTH = 1000;
const MAX_NAME_LENGTH = 200;
const MIN_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
const RESERVED_ENV_PREFIX = 'TRC_';
const MAX_ENV_VALUE_BYTES = 32 * 1024;
const MAX_LABELS = 50;
const MAX_LABEL_KEY_LENGTH = 100;
const MAX_LABEL_VALUE_LENGTH = 1000;
const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 200;
const MAX_CURSOR_LENGTH = 1000;

/** Checks one entry of a string record; returns a problem or null. */
type EntryCheck = (key: string, value: string) => string | null;

/**
 * A JSON object of string values, checked entry by entry. Built by hand rather than with
 * `z.record` so that every own key is seen (zod drops `__proto__`) and messages name the key.
 */
function stringRecordSchema(checkEntry: EntryCheck, maxEntries?: number) {
  return z
    .custom<Record<string, unknown>>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
      {
        message: 'must be an object of strings',
      },
    )
    .transform((raw, ctx) => {
      const entries = Object.entries(raw);
      if (maxEntries !== undefined && entries.length > maxEntries) {
        ctx.addIssue({ code: 'custom', message: `must have at most ${maxEntries} entries` });
      }
      const result: Record<string, string> = {};
      for (const [key, value] of entries) {
        const problem = typeof value === 'string' ? checkEntry(key, value) : 'must be a string';
        if (problem !== null) {
          ctx.addIssue({ code: 'custom', message: problem, path: [key] });
        } else if (typeof value === 'string') {
          Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
        }
      }
      return result;
    });
}

function checkEnvEntry(name: string, value: string): string | null {
  if (!ENV_NAME_PATTERN.test(name)) {
    return `name must match ${ENV_NAME_PATTERN.source}`;
  }
  if (name.startsWith(RESERVED_ENV_PREFIX)) {
    return `names starting with ${RESERVED_ENV_PREFIX} are reserved for trc`;
  }
  if (value.includes('\0')) {
    return 'value must not contain NUL bytes';
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_ENV_VALUE_BYTES) {
    return `value must be at most ${MAX_ENV_VALUE_BYTES} bytes`;
  }
  return null;
}

function checkLabelEntry(key: string, value: string): string | null {
  if (key.length === 0 || key.length > MAX_LABEL_KEY_LENGTH) {
    return `key must be 1 to ${MAX_LABEL_KEY_LENGTH} characters`;
  }
  if (key === '__proto__') {
    return 'key __proto__ is not allowed';
  }
  if (value.length > MAX_LABEL_VALUE_LENGTH) {
    return `value must be at most ${MAX_LABEL_VALUE_LENGTH} characters`;
  }
  return null;
}

function describeRegExpProblem(pattern: string): string | null {
  try {
    new RegExp(pattern);
    return null;
  } catch (error) {
    return `must be a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
}

const filePathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PATH_LENGTH, `must be at most ${MAX_PATH_LENGTH} characters`)
  .superRefine((path, ctx) => {
    const problem = describePathProblem(path);
    if (problem !== null) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

const testNamePatternSchema = z
  .string()
  .max(MAX_PATTERN_LENGTH, `must be at most ${MAX_PATTERN_LENGTH} characters`)
  .superRefine((pattern, ctx) => {
    const problem = describeRegExpProblem(pattern);
    if (problem !== null) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`);

/**
 * Body of `POST /api/v1/runs`. Unknown keys are rejected. Optional fields may be absent or
 * null; the output is a complete {@link RunRequest} with null for what was not given.
 */
export const createRunBodySchema = z
  .strictObject({
    project: nameSchema.default('default'),
    files: z.array(filePathSchema).default(() => []),
    testNamePattern: testNamePatternSchema.nullish(),
    vitestProject: nameSchema.nullish(),
    env: stringRecordSchema(checkEnvEntry).default(() => ({})),
    timeoutMs: z.number().int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).nullish(),
    showConsole: z.boolean().default(false),
    labels: stringRecordSchema(checkLabelEntry, MAX_LABELS).default(() => ({})),
  })
  .transform((body): RunRequest => ({
    project: body.project,
    files: [...body.files],
    testNamePattern: body.testNamePattern ?? null,
    vitestProject: body.vitestProject ?? null,
    env: body.env,
    timeoutMs: body.timeoutMs ?? null,
    showConsole: body.showConsole,
    labels: body.labels,
  }));

/** Treats `?name=` like an absent parameter (what HTML forms send for "any"). */
function optionalQueryValue<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
}

/** Query of `GET /api/v1/runs`: `status` (any case), `limit` 1..200 (default 50), `cursor`. */
export const listRunsQuerySchema = z
  .strictObject({
    status: optionalQueryValue(
      z
        .string()
        .transform((status) => status.toUpperCase())
        .pipe(z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` })),
    ),
    limit: optionalQueryValue(
      z
        .string()
        .regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_LIST_LIMIT}`)
        .transform(Number)
        .pipe(
          z
            .number()
            .min(1, `must be an integer from 1 to ${MAX_LIST_LIMIT}`)
            .max(MAX_LIST_LIMIT, `must be an integer from 1 to ${MAX_LIST_LIMIT}`),
        ),
    ),
    cursor: optionalQueryValue(
      z.string().max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`),
    ),
  })
  .transform((query): ListRunsQuery => {
    const result: ListRunsQuery = { limit: query.limit ?? DEFAULT_LIST_LIMIT };
    if (query.status !== undefined) {
      result.status = query.status;
    }
    if (query.cursor !== undefined) {
      result.cursor = query.cursor;
    }
    return result;
  });

/** Query of `DELETE /api/v1/runs/:runId`: `keepReports` = `true`/`false`/`1`/`0` (default false). */
export const deleteRunQuerySchema = z
  .strictObject({
    keepReports: z.enum(['true', 'false', '1', '0'], { error: 'must be true, false, 1 or 0' }).optional(),
  })
  .transform((query) => ({ keepReports: query.keepReports === 'true' || query.keepReports === '1' }));
