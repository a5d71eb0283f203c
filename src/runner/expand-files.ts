import { existsSync } from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/**
 * Turn the request's `files` into Vitest filters: globs are expanded inside the project root
 * (Vitest's own filters are substrings, not globs); plain paths, and paths that exist as
 * written (`app/(auth)/login.test.ts`, `app/[id]/page.test.ts`), pass through.
 * Returns null when a glob matches nothing, with the pattern that did not match.
 */
export async function expandFiles(
  projectRoot: string,
  files: readonly string[],
): Promise<{ filters: string[]; unmatched: string | null }> {
  const filters: string[] = [];
  for (const entry of files) {
    if (!isDynamicPattern(entry) || existsSync(path.join(projectRoot, entry))) {
      filters.push(entry);
      continue;
    }
    const matches = await glob(entry, { cwd: projectRoot, ignore: ['**/node_modules/**'], onlyFiles: true });
    if (matches.length === 0) {
      return { filters, unmatched: entry };
    }
    filters.push(...matches.sort());
  }
  return { filters, unmatched: null };
}
