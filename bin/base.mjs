#!/usr/bin/env node
// The `base` command: TypeScript sources run directly through tsx, resolved from this file's package.
import { register } from 'tsx/esm/api';

// A reader that goes away early (`base plan --help | head -1`) is not a failure of ours: stop quietly with 0
// instead of dying on an unhandled EPIPE. Any other stream error stays fatal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

register();
const { main } = await import('../reconciler/cli/main.ts');
process.exitCode = await main(process.argv);
