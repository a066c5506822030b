/**
 * Rendering `challenge-template/` into a new challenge repository: the template's own slug and name
 * (`example-challenge`, `Example Challenge`) are replaced by the new ones in every file's content and path.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from '../desired-state/semantic-checks.ts';

export const TEMPLATE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'challenge-template');
export const TEMPLATE_SLUG = 'example-challenge';
export const TEMPLATE_NAME = 'Example Challenge';

/** Never copied: installs, build output, local databases, VCS data. */
const SKIPPED_NAMES = new Set(['node_modules', 'dist', '.git']);
const SKIPPED_FILE = /\.sqlite3(?:-wal|-shm)?$|\.log$/;

export interface TemplateFile {
  /** Path relative to the template root, with `/` separators. */
  path: string;
  content: string;
  mode: number;
}

/** Same rule as the desired state's `slug-format`; null when valid, else why not. */
export function slugProblem(slug: string): string | null {
  if (slug.length > SLUG_MAX_LENGTH) return `found a slug of ${slug.length} characters, expected at most ${SLUG_MAX_LENGTH}`;
  if (!SLUG_PATTERN.test(slug)) {
    return `found ${JSON.stringify(slug)}, expected lower-case letters, digits and '-', starting and ending with a letter or digit (at least 2 characters)`;
  }
  return null;
}

/**
 * The name lands in source strings, JSON and YAML: printable characters without quotes, backslashes, backticks or
 * `$`, at most 128 (the schema's limit).
 */
export function nameProblem(name: string): string | null {
  if (name.trim() === '' || name !== name.trim()) return `found ${JSON.stringify(name)}, expected a non-empty name without leading or trailing spaces`;
  if (name.length > 128) return `found a name of ${name.length} characters, expected at most 128`;
  if (/[\u0000-\u001f\u007f"'`\\$]/.test(name)) return `found ${JSON.stringify(name)}, expected no quotes, backslashes, backticks, '$' or control characters`;
  return null;
}

/** `my-new-challenge` → `My New Challenge`. */
export function defaultName(slug: string): string {
  return slug
    .split('-')
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

export async function readTemplate(root = TEMPLATE_DIR): Promise<TemplateFile[]> {
  const files: TemplateFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (SKIPPED_NAMES.has(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && !SKIPPED_FILE.test(entry.name)) {
        files.push({ path: relative(root, full).split(sep).join('/'), content: await readFile(full, 'utf8'), mode: (await stat(full)).mode & 0o777 });
      }
    }
  };
  await walk(root);
  return files;
}

export function renderTemplate(files: readonly TemplateFile[], slug: string, name: string): TemplateFile[] {
  const substitute = (text: string): string => text.split(TEMPLATE_SLUG).join(slug).split(TEMPLATE_NAME).join(name);
  return files.map((file) => ({ path: substitute(file.path), content: substitute(file.content), mode: file.mode }));
}
