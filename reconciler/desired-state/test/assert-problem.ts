import assert from 'node:assert/strict';
import { parseDesiredState } from '../index.ts';

/** One malformed input and the problem it must produce (among possibly others), at an exact position. */
export interface MalformedCase {
  name: string;
  text: string;
  line: number;
  column: number;
  /** The exact message, or (with `contains`) a precise part of it. */
  message: string;
  contains?: boolean;
  rule: string;
}

/** Parses the case's text and asserts it is invalid with the expected problem at the expected position. */
export function assertReports(c: MalformedCase): void {
  const result = parseDesiredState(c.text, 'subnet.yaml');
  assert.equal(result.ok, false, `${c.name}: expected the document to be rejected`);
  if (result.ok) return;
  const matches = result.problems.filter((p) => (c.contains ? p.message.includes(c.message) : p.message === c.message));
  const listing = result.problems.map((p) => `  ${p.line}:${p.column} [${p.rule}] ${p.message}`).join('\n');
  assert.equal(matches.length, 1, `${c.name}: expected one problem ${JSON.stringify(c.message)}, got:\n${listing}`);
  const [problem] = matches;
  assert.ok(problem);
  assert.deepEqual(
    { line: problem.line, column: problem.column, rule: problem.rule, file: problem.file },
    { line: c.line, column: c.column, rule: c.rule, file: 'subnet.yaml' },
    `${c.name}: wrong position or rule; all problems:\n${listing}`,
  );
}
