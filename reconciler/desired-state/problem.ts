/** One thing wrong with a desired-state file, with the position an operator needs to fix it. */
export interface Problem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the document, e.g. `challenges[1].status`; empty for the document itself. */
  path: string;
  /** Says what was found and what was expected; starts with the path when there is one. */
  message: string;
  /** Stable name of the check that failed, e.g. `schema.enum`, `unique-slug`, `yaml.duplicate-key`. */
  rule: string;
}

/** `FILE:LINE:COL: message`, the format compilers use, so editors and CI annotate the right line. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** Sorts by position, then by message so the order is deterministic. */
export function compareProblems(a: Problem, b: Problem): number {
  return a.line - b.line || a.column - b.column || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** Path segments as operators write them: `challenges[1].env.FOO`, or `labels["com.example"]` for odd keys. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A value quoted for a message: strings in JSON quotes, long values shortened. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (value === null) text = 'null';
  else if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else if (Array.isArray(value)) text = 'a list';
  else if (typeof value === 'object') text = 'a mapping';
  else text = JSON.stringify(typeof value === 'string' ? redactUrlCredentials(value) : value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `scheme://user:password@host` becomes `scheme://***@host`: messages must never carry a password. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1***@');
}
