import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pollGitUpstream } from '../git-poll.ts';

const ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env: ENV });

async function repos(): Promise<{ root: string; work: string; other: string; file: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'base-gitpoll-'));
  const origin = path.join(root, 'origin.git');
  await execa('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin]);
  const seed = path.join(root, 'seed');
  await execa('git', ['clone', '--quiet', origin, seed]);
  await git(seed, 'checkout', '--quiet', '-b', 'main');
  await writeFile(path.join(seed, 'subnet.yaml'), 'version: 1\n');
  await git(seed, 'add', 'subnet.yaml');
  await git(seed, 'commit', '--quiet', '-m', 'one');
  await git(seed, 'push', '--quiet', 'origin', 'main');
  const work = path.join(root, 'work');
  const other = path.join(root, 'other');
  await execa('git', ['clone', '--quiet', '--branch', 'main', origin, work]);
  await execa('git', ['clone', '--quiet', '--branch', 'main', origin, other]);
  return { root, work, other, file: path.join(work, 'subnet.yaml') };
}

async function pushChange(other: string, content: string): Promise<void> {
  await writeFile(path.join(other, 'subnet.yaml'), content);
  await git(other, 'commit', '--quiet', '-am', content.trim());
  await git(other, 'push', '--quiet', 'origin', 'main');
}

test('a new upstream commit on a clean checkout is fast-forwarded; no new commit is up-to-date', async () => {
  const { root, other, file } = await repos();
  try {
    assert.equal((await pollGitUpstream(file)).kind, 'up-to-date');
    await pushChange(other, 'version: 2\n');
    const outcome = await pollGitUpstream(file);
    assert.equal(outcome.kind, 'fast-forwarded', JSON.stringify(outcome));
    assert.equal(await readFile(file, 'utf8'), 'version: 2\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a dirty checkout is never rewritten: the new commit is only reported', async () => {
  const { root, other, file } = await repos();
  try {
    await pushChange(other, 'version: 3\n');
    await writeFile(file, 'local edit\n');
    const outcome = await pollGitUpstream(file);
    assert.equal(outcome.kind, 'blocked');
    assert.match((outcome as { message: string }).message, /uncommitted changes/);
    assert.equal(await readFile(file, 'utf8'), 'local edit\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('diverged local commits block the fast-forward; a checkout without upstream or outside Git is reported', async () => {
  const { root, work, other, file } = await repos();
  try {
    await pushChange(other, 'version: 4\n');
    await writeFile(file, 'local commit\n');
    await git(work, 'commit', '--quiet', '-am', 'local');
    const outcome = await pollGitUpstream(file);
    assert.equal(outcome.kind, 'blocked');
    assert.match((outcome as { message: string }).message, /not an ancestor/);
    assert.equal(await readFile(file, 'utf8'), 'local commit\n');

    await git(work, 'checkout', '--quiet', '-b', 'lonely');
    assert.equal((await pollGitUpstream(file)).kind, 'no-upstream');
    const outside = await mkdtemp(path.join(os.tmpdir(), 'base-gitpoll-none-'));
    assert.equal((await pollGitUpstream(path.join(outside, 'subnet.yaml'))).kind, 'not-a-repo');
    await rm(outside, { recursive: true, force: true });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
