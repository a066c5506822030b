// The release's single-file submitter (dist/base-submitter.mjs) runs with Node.js alone: built into a folder with no
// node_modules anywhere above it, a --once --dry-run round against the offline chain and a sealed vector gives the
// same outcome line as the checkout's `base submitter run`. The bundle's size is reported.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { startSubmitterChain, type SubmitterChainFixture } from './chain-fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const outside = mkdtempSync(path.join(tmpdir(), 'base-submitter-bundle-'));
const bundle = path.join(outside, 'base-submitter.mjs');
let fx: SubmitterChainFixture;

before(async () => {
  await execa(process.execPath, ['deploy/release/build-submitter.mjs', '--out', bundle], { cwd: ROOT });
  fx = await startSubmitterChain(2);
});
after(async () => {
  await fx?.close();
  rmSync(outside, { recursive: true, force: true });
});

/** Every folder from `dir` up to `/` has no node_modules: the bundle cannot be resolving packages from one. */
function noNodeModulesAbove(dir: string): boolean {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules'))) return false;
    if (path.dirname(at) === at) return true;
  }
}

/** The round's outcome line without the one field that differs between two runs by design (its time). */
function outcome(stdout: string): Record<string, unknown> {
  const line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  const { at: _at, ...rest } = line;
  return rest;
}

test('the bundled submitter needs nothing but Node.js and gives the checkout’s dry-run outcome', async (t) => {
  assert.ok(noNodeModulesAbove(outside), `${outside} has a node_modules above it`);
  const bytes = statSync(bundle).size;
  t.diagnostic(`bundle: ${bundle}, ${bytes} bytes`);
  const vector = await fx.publish();

  const fromCheckout = await execa(process.execPath, ['bin/base.mjs', 'submitter', 'run', '--config', fx.config('checkout').file, '--once', '--dry-run'], { cwd: ROOT, reject: false });
  const fromBundle = await execa(process.execPath, [bundle, 'submitter', 'run', '--config', fx.config('bundle').file, '--once', '--dry-run'], { cwd: outside, reject: false, env: { NODE_PATH: '' } });

  assert.equal(fromCheckout.exitCode, 0, fromCheckout.stderr);
  assert.equal(fromBundle.exitCode, 0, fromBundle.stderr);
  const expected = outcome(fromCheckout.stdout);
  assert.equal(expected.outcome, 'dry_run');
  assert.equal(expected.digest, vector.digest);
  assert.deepEqual(outcome(fromBundle.stdout), expected);
  assert.equal((await execa(process.execPath, [bundle, '--version'], { cwd: outside })).stdout.trim(), (await execa(process.execPath, ['bin/base.mjs', '--version'], { cwd: ROOT })).stdout.trim());
});
