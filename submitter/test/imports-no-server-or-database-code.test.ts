/**
 * The submitter runs on a validator's host from one bundled file: nothing it imports may be the master's server,
 * the control-plane store, Docker, or the epoch loop (verify: recompute reaches the pure audit and weights core
 * only). The import graph is read by esbuild from the bundle's entry, packages left external.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '../..');
const FORBIDDEN_FOLDERS = ['reconciler/store/', 'reconciler/master/', 'reconciler/epoch/', 'reconciler/live/', 'reconciler/apply/', 'reconciler/broker/'];
const FORBIDDEN_PACKAGES = ['pg', 'better-sqlite3', 'dockerode'];

test('the submitter imports no server, database, Docker or epoch-loop code, and reaches the audit check', async () => {
  const result = await build({
    entryPoints: [path.join(root, 'submitter/cli.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const files = Object.keys(result.metafile.inputs);
  assert.deepEqual(files.filter((file) => FORBIDDEN_FOLDERS.some((folder) => file.startsWith(folder))), []);
  const packages = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
  assert.deepEqual(packages.filter((p) => FORBIDDEN_PACKAGES.some((name) => p === name || p.startsWith(`${name}/`))), []);
  assert.ok(files.includes('reconciler/audit/verify-epoch.ts'), 'verify: recompute runs the audit check');
});
