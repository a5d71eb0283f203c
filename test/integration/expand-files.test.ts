import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandFiles } from '../../src/runner/expand-files.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'trc-expand-'));
/** A project laid out like a Next.js app, whose folder names hold glob characters. */
const nextRoot = mkdtempSync(path.join(os.tmpdir(), 'trc-expand-next-'));

function createFiles(dir: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(dir, file), '');
  }
}

beforeAll(() => {
  createFiles(root, [
    'test/b.test.ts',
    'test/a.test.ts',
    'test/nested/c.test.ts',
    'test/helper.ts',
    'e2e/login.spec.ts',
    'node_modules/lib/test/x.test.ts',
    'test/node_modules/y.test.ts',
  ]);
  createFiles(nextRoot, ['app/(auth)/login.test.ts', 'app/[id]/page.test.ts', 'app/d/page.test.ts']);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(nextRoot, { recursive: true, force: true });
});

describe('expandFiles', () => {
  it('expands a glob to the matching files, sorted, without node_modules', async () => {
    expect(await expandFiles(root, ['**/*.test.ts'])).toEqual({
      filters: ['test/a.test.ts', 'test/b.test.ts', 'test/nested/c.test.ts'],
      unmatched: null,
    });
  });

  it('passes plain paths through as they are, existing or not', async () => {
    expect(await expandFiles(root, ['test/helper.ts', 'test/missing.test.ts', 'login'])).toEqual({
      filters: ['test/helper.ts', 'test/missing.test.ts', 'login'],
      unmatched: null,
    });
  });

  it('keeps the order of the entries, each glob expanded in place', async () => {
    expect(await expandFiles(root, ['e2e/login.spec.ts', 'test/*.test.ts', 'test/nested/c.test.ts'])).toEqual(
      {
        filters: ['e2e/login.spec.ts', 'test/a.test.ts', 'test/b.test.ts', 'test/nested/c.test.ts'],
        unmatched: null,
      },
    );
  });

  it('expands brace and character-class patterns', async () => {
    expect((await expandFiles(root, ['{e2e,test}/[al]*.ts'])).filters).toEqual([
      'e2e/login.spec.ts',
      'test/a.test.ts',
    ]);
  });

  it('reports the first glob that matches nothing', async () => {
    expect(await expandFiles(root, ['test/a.test.ts', 'spec/**/*.ts', 'nothing/*.ts'])).toEqual({
      filters: ['test/a.test.ts'],
      unmatched: 'spec/**/*.ts',
    });
  });

  it('does not count a match inside node_modules as a match', async () => {
    expect((await expandFiles(root, ['node_modules/**/*.ts'])).unmatched).toBe('node_modules/**/*.ts');
  });

  // Next.js and SvelteKit paths contain glob characters: a path that exists is taken as written.
  it('passes through an existing file in a route-group folder such as app/(auth)/', async () => {
    expect(await expandFiles(nextRoot, ['app/(auth)/login.test.ts'])).toEqual({
      filters: ['app/(auth)/login.test.ts'],
      unmatched: null,
    });
  });

  // `[id]` would otherwise read as a character class and also pull in app/d/page.test.ts.
  it('runs only the named file for an existing path with a dynamic segment such as app/[id]/', async () => {
    expect(await expandFiles(nextRoot, ['app/[id]/page.test.ts'])).toEqual({
      filters: ['app/[id]/page.test.ts'],
      unmatched: null,
    });
  });
});
