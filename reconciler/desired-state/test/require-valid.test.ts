import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../cli/action.ts';
import { formatProblem, InvalidDesiredStateError, parseDesiredState, requireValid } from '../index.ts';
import { ALPHA, withChallenges } from './documents.ts';

test('requireValid returns the state of a valid document', () => {
  const state = requireValid(parseDesiredState(withChallenges(), 'ok.yaml'));
  assert.equal(state.challenges[0]?.slug, 'alpha');
});

test('requireValid throws a UserError listing one FILE:LINE:COL: message per problem', () => {
  const text = withChallenges(ALPHA.replace('slug: alpha', 'slug: Alpha').replace('status: active', 'status: on'));
  assert.throws(
    () => requireValid(parseDesiredState(text, 'bad.yaml')),
    (error: unknown) => {
      assert.ok(error instanceof InvalidDesiredStateError);
      assert.ok(error instanceof UserError);
      assert.equal(error.problems.length, 2);
      assert.equal(error.message, error.problems.map(formatProblem).join('\n'));
      assert.match(error.message, /^bad\.yaml:13:11: challenges\[0\]\.slug: .*\nbad\.yaml:16:13: challenges\[0\]\.status: found "on"/);
      return true;
    },
  );
});

test('formatProblem is FILE:LINE:COL: message', () => {
  assert.equal(formatProblem({ file: 'a.yaml', line: 3, column: 7, path: 'x', message: 'x: broken', rule: 'r' }), 'a.yaml:3:7: x: broken');
});
