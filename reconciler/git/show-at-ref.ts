/** Reading a file's version at a Git ref (`git show <ref>:<path>`), for `base plan --against <ref>`. */
import { execa } from 'execa';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export class GitRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitRefError';
  }
}

export type FileAtRef = { found: true; text: string; repoPath: string; commit: string } | { found: false; repoPath: string; commit: string };

async function git(cwd: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('git', args, { cwd, reject: false, stripFinalNewline: false });
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The repository root holding `file` (which itself may not exist in the working tree). */
export async function repoRootOf(file: string): Promise<string> {
  const dir = path.dirname(path.resolve(file));
  const result = await git(dir, ['rev-parse', '--show-toplevel']);
  if (result.exitCode !== 0) throw new GitRefError(`${file}: not inside a Git repository (git rev-parse: ${result.stderr.trim()})`);
  return result.stdout.trim();
}

/** The full commit ID a ref names; throws GitRefError naming the ref when it names none. */
export async function resolveCommit(repoRoot: string, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new GitRefError(`unknown Git ref "${ref}"`);
  const result = await git(repoRoot, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (result.exitCode !== 0) throw new GitRefError(`unknown Git ref "${ref}" in ${repoRoot}: expected a branch, tag or commit (try git fetch, or git log --oneline)`);
  return result.stdout.trim();
}

/** The file's content at `ref`; `found: false` when the file did not exist there. */
export async function readFileAtRef(file: string, ref: string): Promise<FileAtRef> {
  const root = await repoRootOf(file);
  const commit = await resolveCommit(root, ref);
  const absolute = path.resolve(file);
  let real: string;
  try {
    real = path.join(await realpath(path.dirname(absolute)), path.basename(absolute));
  } catch {
    real = absolute;
  }
  const repoPath = path.relative(await realpath(root), real).split(path.sep).join('/');
  if (repoPath.startsWith('..')) throw new GitRefError(`${file} is outside the repository ${root}`);
  const exists = await git(root, ['cat-file', '-e', `${commit}:${repoPath}`]);
  if (exists.exitCode !== 0) return { found: false, repoPath, commit };
  const shown = await git(root, ['show', `${commit}:${repoPath}`]);
  if (shown.exitCode !== 0) throw new GitRefError(`git show ${ref}:${repoPath} failed: ${shown.stderr.trim()}`);
  return { found: true, text: shown.stdout, repoPath, commit };
}

/** HEAD's commit ID for the repository holding `file`, or null when there is none (not a repository, no commits). */
export async function headRevision(file: string): Promise<string | null> {
  try {
    const root = await repoRootOf(file);
    const result = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD']);
    return result.exitCode === 0 ? result.stdout.trim() : null;
  } catch {
    return null;
  }
}
