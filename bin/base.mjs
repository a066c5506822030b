#!/usr/bin/env node
// The `base` command: TypeScript sources run directly through tsx, resolved from this file's package.
import { register } from 'tsx/esm/api';

register();
const { exitQuietlyOnClosedPipes, main } = await import('../reconciler/cli/main.ts');
exitQuietlyOnClosedPipes();
process.exitCode = await main(process.argv);
