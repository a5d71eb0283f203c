const DRIVE_PREFIX = /^[A-Za-z]:/;
const SEPARATORS = /[\\/]/;

/**
 * Says what is wrong with a path that must stay inside the project root, or null when it is fine.
 * Rejects NUL bytes, absolute paths (posix `/x`, Windows `C:\x`, `C:x`, `\x`, `\\server\share`)
 * and paths whose `..` segments lead outside the root once normalised (`a/../../b`).
 * Both `/` and `\` count as separators, because the daemon may run on Windows.
 */
export function describePathProblem(path: string): string | null {
  if (path.includes('\0')) {
    return 'must not contain NUL bytes';
  }
  if (path.startsWith('/') || path.startsWith('\\') || DRIVE_PREFIX.test(path)) {
    return 'must be relative to the project root, not absolute';
  }
  if (escapesRoot(path)) {
    return 'must not lead outside the project root with ".." segments';
  }
  return null;
}

function escapesRoot(path: string): boolean {
  let depth = 0;
  for (const segment of path.split(SEPARATORS)) {
    if (segment === '..') {
      depth -= 1;
      if (depth < 0) {
        return true;
      }
    } else if (segment !== '' && segment !== '.') {
      depth += 1;
    }
  }
  return false;
}
