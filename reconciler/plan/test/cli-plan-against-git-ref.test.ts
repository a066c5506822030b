import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { fixtureText } from './support/fixtures.ts';

const BIN = fileURLToPath(new URL('../../../bin/base.mjs', import.meta.url));
const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid', NO_COLOR: '1' };
let repo = '';
let file = '';
const git = (...args: string[]) => execa('git', args, { cwd: repo, env });
const base = (...args: string[]) => execa('node', [BIN, ...args], { cwd: repo, env, reject: false, stripFinalNewline: false });

before(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'base-plan-against-'));
  file = path.join(repo, 'desired-state', 'subnet.yaml');
  await git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README'), 'x\n');
  await git('add', 'README');
  await git('commit', '-q', '-m', 'no desired state yet');
  await mkdir(path.dirname(file));
  await writeFile(file, fixtureText('converged.yaml'));
  await git('add', '.');
  await git('commit', '-q', '-m', 'desired state');
  await writeFile(file, fixtureText('converged.yaml').replace('emission_percent: 40', 'emission_percent: 45').replace(/(image: .*@)sha256:2d23f53a8e67e636aec45dcccca869d6662e8c431a00d4f273b95efe95e7f9fe(\n {4}version: 1\.0\.0)/, `$1sha256:${'ab'.repeat(32)}$2`));
  await git('commit', '-q', '-am', 'alpha: new digest, 45%');
});
after(() => rm(repo, { recursive: true, force: true }));

test('--against the previous commit: one service update that rolls tasks, exit 2 with --detailed-exitcode', async () => {
  const result = await base('plan', file, '--against', 'HEAD~1', '--detailed-exitcode');
  assert.equal(result.exitCode, 2, result.stderr);
  assert.match(result.stdout, /^ {2}~ service challenge-alpha {2}\(rolls tasks/m);
  assert.match(result.stdout, /~ Labels\["base\.challenge\.emission-percent"\]: "40" → "45"/);
  assert.match(result.stdout, /~ TaskTemplate\.ContainerSpec\.Image: ".*2d23f53a.*" → ".*abababab.*"/);
  assert.match(result.stdout, /\nPlan: 0 to add, 1 to change, 0 to destroy; 1 service will restart\.\n$/);
  assert.ok(!result.stdout.includes('\u001b['), 'NO_COLOR and a pipe: no ANSI codes');
  const plain = await base('plan', file, '--against', 'HEAD~1');
  assert.equal(plain.exitCode, 0, 'changes without --detailed-exitcode still exit 0');
});

test('--against HEAD (the file unchanged since): no changes, exit 0', async () => {
  const result = await base('plan', file, '--against', 'HEAD', '--detailed-exitcode');
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout, 'No changes. Live state matches desired-state.\n');
});

test('a ref where the file did not exist yet counts as an empty desired state: all creations', async () => {
  const result = await base('plan', file, '--against', 'HEAD~2', '--detailed-exitcode', '--json');
  assert.equal(result.exitCode, 2, result.stderr);
  const plan = JSON.parse(result.stdout);
  assert.equal(plan.format_version, 1);
  // Every object is created; the worker (which exists, but unlabelled) gets its labels.
  assert.deepEqual(plan.changes.filter((c: { action: string }) => c.action !== 'create').map((c: { kind: string; name: string; action: string }) => `${c.action} ${c.kind} ${c.name}`), ['update node vm']);
  assert.deepEqual(plan.summary, { add: 11, change: 1, destroy: 0, restarts: 0, unchanged: 0 });
});

test('--markdown renders a PR comment', async () => {
  const result = await base('plan', file, '--against', 'HEAD~1', '--markdown');
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /^### Base plan: .*subnet\.yaml \(against HEAD~1\)\n/);
  assert.match(result.stdout, /\| 🔄 update \| service \| `challenge-alpha` \| rolls tasks \|/);
});

test('an unknown ref: exit 1 and a message naming it', async () => {
  const result = await base('plan', file, '--against', 'no-such-ref');
  assert.equal(result.exitCode, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /unknown Git ref "no-such-ref"/);
});

test('an invalid file: its problems with positions, exit 1, nothing else', async () => {
  const broken = path.join(repo, 'broken.yaml');
  await writeFile(broken, fixtureText('converged.yaml').replace('status: active', 'status: sometimes'));
  const result = await base('plan', broken, '--against', 'HEAD', '--detailed-exitcode');
  assert.equal(result.exitCode, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /broken\.yaml:\d+:\d+: challenges\[0\]\.status/);
});
