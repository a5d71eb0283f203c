import type { z } from 'zod';
import { AppError } from '../errors.js';

/** One validation problem as listed in the `details` of a VALIDATION_FAILED error. */
export interface ValidationIssue {
  /** Field path such as `files[0]` or `env.FOO`; empty for the input as a whole. */
  path: string;
  message: string;
}

/**
 * Parses request input with a zod schema. On failure throws 400 VALIDATION_FAILED whose message
 * names every offending field and whose `details` list `{path, message}` per issue.
 * @param where what is parsed, for the message: `request body`, `query`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const issues = result.error.issues.flatMap(toValidationIssues);
  const summary = issues
    .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
    .join('; ');
  throw new AppError(`Invalid ${where}: ${summary}`, { code: 'VALIDATION_FAILED', details: issues });
}

function toValidationIssues(issue: z.core.$ZodIssue): ValidationIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') {
      text += `[${part}]`;
    } else {
      text += text === '' ? String(part) : `.${String(part)}`;
    }
  }
  return text;
}
