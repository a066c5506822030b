import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { GitRefError, readFileAtRef, resolveCommit } from '../show-at-ref.ts';

let repo = '';
const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (...args: string[]) => execa('git', args, { cwd: repo, env });

before(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'base-git-ref-'));
  await git('init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'README'), 'x\n');
  await git('add', 'README');
  await git('commit', '-q', '-m', 'first');
  await mkdir(path.join(repo, 'desired-state'));
  await writeFile(path.join(repo, 'desired-state', 'subnet.yaml'), 'v: 1\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'second');
  await writeFile(path.join(repo, 'desired-state', 'subnet.yaml'), 'v: 2 (working tree)\n');
});
after(() => rm(repo, { recursive: true, force: true }));

test('reads the committed version of a file at a ref, path taken relative to the repository root', async () => {
  const found = await readFileAtRef(path.join(repo, 'desired-state', 'subnet.yaml'), 'HEAD');
  assert.equal(found.found, true);
  assert.equal(found.found && found.text, 'v: 1\n');
  assert.equal(found.repoPath, 'desired-state/subnet.yaml');
  assert.match(found.commit, /^[0-9a-f]{40}$/);
});

test('a file missing at the ref is reported as not found (not an error)', async () => {
  const missing = await readFileAtRef(path.join(repo, 'desired-state', 'subnet.yaml'), 'HEAD~1');
  assert.equal(missing.found, false);
});

test('an unknown ref is a GitRefError naming the ref', async () => {
  await assert.rejects(readFileAtRef(path.join(repo, 'desired-state', 'subnet.yaml'), 'no-such-branch'), (error: unknown) => {
    assert.ok(error instanceof GitRefError);
    assert.match(error.message, /unknown Git ref "no-such-branch"/);
    return true;
  });
  await assert.rejects(resolveCommit(repo, '--output=/tmp/x'), /unknown Git ref/);
});

test('a file outside any repository is a clear error', async () => {
  const outside = await mkdtemp(path.join(tmpdir(), 'base-no-repo-'));
  try {
    await assert.rejects(readFileAtRef(path.join(outside, 'subnet.yaml'), 'HEAD'), /not inside a Git repository/);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
