#!/usr/bin/env node
// trc's command: runs the compiled CLI (`npm run build` writes dist/).
let cli;
try {
  cli = await import('../dist/src/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli.js')) {
    process.stderr.write('trc: dist/src/cli.js is missing: run `npm run build` first\n');
    process.exit(1);
  }
  throw error;
}
await cli.runCli(process.argv.slice(2));
