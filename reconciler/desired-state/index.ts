/**
 * The desired-state model: `desired-state/subnet.yaml` read, checked against schemas/subnet.schema.json and the
 * semantic rules, and handed to the rest of the control plane as typed data, or as a list of positioned problems.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors/user-error.ts';
import { compareProblems, formatPath, formatProblem, type Problem } from './problem.ts';
import { checkSchema } from './schema-validation.ts';
import { checkSemantics } from './semantic-checks.ts';
import type { SubnetDesiredState } from './subnet.types.ts';
import { locate, readYaml } from './yaml-source.ts';

export type { SubnetDesiredState, Challenge, Network, Worker, Master, Subnet, Resources } from './subnet.types.ts';
export type { Problem } from './problem.ts';
export { formatProblem } from './problem.ts';

/** Where `base validate` and the reconciler look when no file is named (relative to the working directory). */
export const DEFAULT_DESIRED_STATE_FILE = 'desired-state/subnet.yaml';

/** Parsing cost grows with size; anything this large is not a hand-written subnet description. */
export const MAX_DESIRED_STATE_CHARS = 1024 * 1024;

export type LoadResult =
  | { ok: true; file: string; state: SubnetDesiredState }
  | { ok: false; file: string; problems: Problem[] };

/**
 * Parses and checks desired-state YAML. Pure (no I/O) and never throws on bad input: every problem comes back with
 * a position. On success the state carries the schema's defaults.
 */
export function parseDesiredState(text: string, file: string): LoadResult {
  if (text.length > MAX_DESIRED_STATE_CHARS) {
    const message = `found ${text.length} characters, expected at most ${MAX_DESIRED_STATE_CHARS} (a desired-state file is small and edited by hand)`;
    return { ok: false, file, problems: [{ file, line: 1, column: 1, path: '', message, rule: 'file.too-large' }] };
  }
  const read = readYaml(text, file);
  if (!read.ok) return { ok: false, file, problems: read.problems.sort(compareProblems) };
  const { source } = read;
  const problems = checkSchema(source);
  for (const finding of checkSemantics(source.data)) {
    const path = formatPath(finding.path);
    const { line, column } = locate(source, finding.path, finding.target ?? 'value');
    problems.push({ file, line, column, path, message: path ? `${path}: ${finding.message}` : finding.message, rule: finding.rule });
  }
  if (problems.length > 0) return { ok: false, file, problems: problems.sort(compareProblems) };
  return { ok: true, file, state: source.data as SubnetDesiredState };
}

/** Reads the file, then parseDesiredState. A file that cannot be read is one problem at 1:1. */
export async function loadDesiredState(file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, expected a YAML file' : `cannot read the file (${code ?? String(error)})`;
    return { ok: false, file, problems: [{ file, line: 1, column: 1, path: '', message, rule: 'file.unreadable' }] };
  }
  return parseDesiredState(text, file);
}

/** Thrown where a valid desired state is required; its message lists every problem, one per line. */
export class InvalidDesiredStateError extends UserError {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InvalidDesiredStateError';
    this.problems = problems;
  }
}

export function requireValid(result: LoadResult): SubnetDesiredState {
  if (!result.ok) throw new InvalidDesiredStateError(result.problems);
  return result.state;
}
