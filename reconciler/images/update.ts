/**
 * `base images update`: the checked images of `commit` mode rewritten in place (only their scalars, as `base pin`
 * writes them) and committed to the file's Git repository, one commit naming each image with its old and new
 * reference. The file must have no uncommitted changes, so the commit holds exactly this edit. When anything fails
 * after the file was written, its old text is put back.
 */
import { execa } from 'execa';
import path from 'node:path';
import { parseDesiredState, requireValid } from '../desired-state/index.ts';
import { readDesiredStateText, replaceFileText, rewriteImageValues, type ImageSite } from '../challenge/pin.ts';
import { repoRootOf } from '../git/show-at-ref.ts';
import { checkImages, ImagesError, type ImageCheck, type ImageReport, type RegistryReader } from './check.ts';

export interface UpdateResult {
  report: ImageReport;
  /** The images written and committed. */
  applied: ImageCheck[];
  /** Updates left alone because their policy's mode is pull-request. */
  proposed: ImageCheck[];
  /** The new commit, or null when nothing changed. */
  commit: string | null;
}

async function git(cwd: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('git', args, { cwd, reject: false });
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The commit message: a subject naming the images, then one line per image, old → new reference. */
export function commitMessage(file: string, applied: readonly ImageCheck[]): string {
  const names = applied.map((c) => c.path);
  const listed = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  const body = applied.map((c) => `${c.path}: ${c.from} -> ${c.to}`);
  return `images: update ${listed}\n\nbase images update on ${file}:\n${body.join('\n')}\n`;
}

export async function updateImages(file: string, registry: RegistryReader): Promise<UpdateResult> {
  const text = await readDesiredStateText(file);
  const state = requireValid(parseDesiredState(text, file));
  const root = await repoRootOf(file).catch((error: Error) => {
    throw new ImagesError(error.message);
  });
  const relative = path.relative(root, path.resolve(file));
  const status = await git(root, ['status', '--porcelain', '--', relative]);
  if (status.exitCode !== 0) throw new ImagesError(`git status on ${file} failed: ${status.stderr.trim()}`);
  if (status.stdout.trim() !== '') {
    throw new ImagesError(`${file} has uncommitted changes (${status.stdout.trim().slice(0, 2).trim()}); commit or stash them first: base images update commits only its own edit`);
  }

  const { report, sites } = await checkImages(text, file, state, registry);
  const updates = report.images.filter((c) => c.action === 'update');
  const applied = updates.filter((c) => c.mode === 'commit');
  const proposed = updates.filter((c) => c.mode === 'pull-request');
  if (applied.length === 0) return { report, applied, proposed, commit: null };

  const changes = applied.map((c) => ({ site: sites.get(c.path) as ImageSite, to: c.to }));
  const next = rewriteImageValues(text, file, changes);
  // The rewritten file must still be valid (it always should be: only image values changed, to tag@digest).
  const recheck = parseDesiredState(next, file);
  if (!recheck.ok) throw new ImagesError(`the rewritten ${file} would not be valid; nothing written:\n${recheck.problems.map((p) => p.message).join('\n')}`);

  await replaceFileText(file, next);
  try {
    const added = await git(root, ['add', '--', relative]);
    if (added.exitCode !== 0) throw new ImagesError(`git add ${relative} failed: ${added.stderr.trim()}`);
    // The pathspec commits this file only, whatever else is staged.
    const committed = await git(root, ['commit', '--quiet', '-m', commitMessage(relative, applied), '--', relative]);
    if (committed.exitCode !== 0) throw new ImagesError(`git commit failed; ${file} restored: ${committed.stderr.trim() || committed.stdout.trim()}`);
    const head = await git(root, ['rev-parse', 'HEAD']);
    return { report, applied, proposed, commit: head.stdout.trim() };
  } catch (error) {
    await replaceFileText(file, text);
    await git(root, ['reset', '--quiet', '--', relative]);
    throw error;
  }
}
