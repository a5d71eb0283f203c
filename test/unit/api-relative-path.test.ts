import { describe, expect, it } from 'vitest';
import { describePathProblem } from '../../src/api/relative-path.js';

describe('describePathProblem', () => {
  it.each(['a.test.ts', 'src/**/*.test.ts', 'a/../b', './a', 'a/./b/..', 'a\\b', 'a..b/c', '...', 'dir/..'])(
    'accepts %s',
    (path) => {
      expect(describePathProblem(path)).toBeNull();
    },
  );

  it.each([
    ['/etc/passwd', /absolute/],
    ['C:\\Windows', /absolute/],
    ['C:relative', /absolute/],
    ['\\\\server\\share', /absolute/],
    ['\\rooted', /absolute/],
    ['..', /project root/],
    ['../x', /project root/],
    ['a/../../b', /project root/],
    ['a/b/../../../c', /project root/],
    ['a\\..\\..\\b', /project root/],
    ['./../x', /project root/],
    ['a\u0000b', /NUL/],
  ])('rejects %s', (path, message) => {
    expect(describePathProblem(path)).toMatch(message);
  });
});
