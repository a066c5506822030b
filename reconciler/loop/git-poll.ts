/**
 * Following a Git upstream without ever rewriting local work: `git fetch`, then fast-forward only when the
 * checkout is clean and the upstream strictly descends from HEAD. Anything else is detected and reported.
 */
import path from 'node:path';
import { execa } from 'execa';

export type GitPollOutcome =
  | { kind: 'not-a-repo' | 'no-upstream'; message: string }
  | { kind: 'up-to-date'; head: string }
  | { kind: 'fast-forwarded'; from: string; to: string }
  | { kind: 'blocked'; head: string; upstream: string; message: string }
  | { kind: 'error'; message: string };

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execa('git', args, { cwd, timeout: 60_000, env: { GIT_TERMINAL_PROMPT: '0' } });
  return stdout.trim();
}

export async function pollGitUpstream(file: string): Promise<GitPollOutcome> {
  const cwd = path.dirname(path.resolve(file));
  try {
    await git(cwd, ['rev-parse', '--is-inside-work-tree']);
  } catch {
    return { kind: 'not-a-repo', message: `${cwd} is not inside a Git checkout; commit polling is off` };
  }
  let upstreamRef: string;
  try {
    upstreamRef = await git(cwd, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}']);
  } catch {
    return { kind: 'no-upstream', message: `the checkout at ${cwd} has no upstream branch; commit polling is off` };
  }
  try {
    await git(cwd, ['fetch', '--quiet', '--no-tags']);
    const head = await git(cwd, ['rev-parse', 'HEAD']);
    const upstream = await git(cwd, ['rev-parse', '@{u}']);
    if (head === upstream) return { kind: 'up-to-date', head };
    const isAncestor = await execa('git', ['merge-base', '--is-ancestor', 'HEAD', '@{u}'], { cwd, reject: false });
    if (isAncestor.exitCode !== 0) {
      return { kind: 'blocked', head, upstream, message: `HEAD ${head.slice(0, 12)} is not an ancestor of ${upstreamRef} ${upstream.slice(0, 12)} (local commits or a rewritten upstream); not fast-forwarding` };
    }
    const dirty = await git(cwd, ['status', '--porcelain', '--untracked-files=no']);
    if (dirty !== '') {
      return { kind: 'blocked', head, upstream, message: `the checkout has uncommitted changes; not fast-forwarding to ${upstreamRef} ${upstream.slice(0, 12)}` };
    }
    await git(cwd, ['merge', '--ff-only', '--quiet', '@{u}']);
    return { kind: 'fast-forwarded', from: head, to: upstream };
  } catch (error) {
    const message = (error as { shortMessage?: string; message?: string }).shortMessage ?? String(error);
    return { kind: 'error', message: `git in ${cwd}: ${message}` };
  }
}
