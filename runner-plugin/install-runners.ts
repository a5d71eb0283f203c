import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The slice of a Vitest project the installer changes. */
interface ProjectLike {
  config: { runner?: string };
}

const TRC_RUNNER_URL = pathToFileURL(fileURLToPath(new URL('./worker-runner.js', import.meta.url))).href;

/**
 * Point every project's `runner` at a generated module whose default export is trc's runner
 * extending the project's own base: the user's custom runner when it has one, else the
 * Vitest TestRunner of the Vitest that runs the project.
 *
 * Generated modules sit in a `node_modules` folder on purpose: Vitest then imports them
 * natively instead of transforming them, so a test worker pays nothing for them. A shim that
 * wraps a user's runner sits outside it, so that Vite transforms the user's (often TypeScript) file.
 */
export function installRunners(
  projects: readonly ProjectLike[],
  options: { workDir: string; baseRunnerImport: string },
): void {
  const nativeDir = path.join(options.workDir, 'node_modules', 'trc-runner');
  mkdirSync(nativeDir, { recursive: true });
  const bridge = path.join(nativeDir, 'trc.mjs');
  writeFileSync(bridge, `export { createTrcRunner } from ${JSON.stringify(TRC_RUNNER_URL)};\n`);
  const defaultShim = path.join(nativeDir, 'default-runner.mjs');
  writeFileSync(
    defaultShim,
    `${options.baseRunnerImport}\nimport { createTrcRunner } from './trc.mjs';\nexport default createTrcRunner(BaseRunner);\n`,
  );
  projects.forEach((project, index) => {
    const userRunner = project.config.runner;
    if (!userRunner) {
      project.config.runner = defaultShim;
      return;
    }
    const shim = path.join(options.workDir, `user-runner-${index}.mjs`);
    writeFileSync(
      shim,
      [
        `import BaseRunner from ${JSON.stringify(userRunner)};`,
        `import { createTrcRunner } from ${JSON.stringify(bridge)};`,
        'export default createTrcRunner(BaseRunner);',
        '',
      ].join('\n'),
    );
    project.config.runner = shim;
  });
}
