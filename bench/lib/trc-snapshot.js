import { cp, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Copy trc's build (dist/ and package.json) into `dir` and load the daemon from the copy.
 * The working tree is shared: `npm test` rebuilds dist/ at any moment, and a Vitest child that
 * loads half-written runner files mid-run fails for reasons that are not trc's. The copy links
 * the repository's node_modules, so it resolves the same packages.
 */
export async function loadTrcSnapshot(repoRoot, dir) {
  await cp(path.join(repoRoot, 'dist'), path.join(dir, 'dist'), { recursive: true });
  await cp(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const load = (file) => import(pathToFileURL(path.join(dir, 'dist', 'src', file)).href);
  const [{ loadConfig }, { startDaemon }] = await Promise.all([load('config.js'), load('daemon.js')]);
  const builtAt = (await stat(path.join(repoRoot, 'dist', 'src', 'daemon.js'))).mtime.toISOString();
  return { loadConfig, startDaemon, builtAt };
}
