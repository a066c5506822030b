/**
 * The validator's submitter as a program of its own: the entry of the single-file release bundle
 * (`dist/base-submitter.mjs`, built by `deploy/release/build-submitter.mjs`), which needs nothing but Node.js 20.
 * It is the `base` command with only `base submitter …`, so the same command lines work with either. It imports
 * no other command: their modules would pull dockerode, better-sqlite3 and other native code into the bundle.
 */
import * as submitter from '../reconciler/cli/commands/submitter.ts';
import { buildProgramOf, exitQuietlyOnClosedPipes, runProgram } from '../reconciler/cli/program.ts';
import { readPackageVersion } from '../reconciler/cli/version.ts';

/** Replaced by the bundler with package.json's version; a checkout run through tsx reads package.json. */
declare const BASE_RELEASE_VERSION: string | undefined;
const version = typeof BASE_RELEASE_VERSION === 'string' ? BASE_RELEASE_VERSION : readPackageVersion();

exitQuietlyOnClosedPipes();
process.exitCode = await runProgram(buildProgramOf([submitter], version), process.argv);
