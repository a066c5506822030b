import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { assertReports } from './assert-problem.ts';
import { ALPHA, DIGEST, HEADER, PRODUCTION_HEADER, VALID_PRODUCTION_HEADER, withChallenges } from './documents.ts';

const PINNED = ALPHA.replace('alpha:1.0.0', `alpha:1.0.0@${DIGEST}`);
const problemsOf = (text: string): string[] => {
  const result = parseDesiredState(text, 'subnet.yaml');
  return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} [${p.rule}] ${p.message}`);
};

test('production without master.database_url_secret is rejected at the master key (line 8, column 1)', () => {
  assertReports({
    name: 'production without database_url_secret',
    text: withChallenges(PINNED, PRODUCTION_HEADER),
    line: 8,
    column: 1,
    message:
      'master: found no database_url_secret; production needs the name of the Swarm secret holding the control-plane PostgreSQL URL ' +
      '(e.g. database_url_secret: base-database-url, created with docker secret create NAME -), or the master seals no weights',
    rule: 'production-database-url-secret',
  });
  // It is the only problem of that file.
  assert.equal(problemsOf(withChallenges(PINNED, PRODUCTION_HEADER)).length, 1);
});

test('production with database_url_secret is valid and the name reaches the typed state', () => {
  const result = parseDesiredState(withChallenges(PINNED, VALID_PRODUCTION_HEADER), 'subnet.yaml');
  assert.deepEqual(result.ok ? [] : result.problems.map((p) => p.message), []);
  assert.equal(result.ok && result.state.master.database_url_secret, 'base-database-url');
});

test('development needs no database_url_secret (SQLite in the state folder, or BASE_DATABASE_URL)', () => {
  assert.deepEqual(problemsOf(withChallenges(ALPHA, HEADER)), []);
});

test('a challenge listing the database URL secret is rejected at that list entry', () => {
  assertReports({
    name: 'challenge receives the control-plane database URL',
    text: withChallenges(`${PINNED}    secrets: [judge-token, base-database-url]\n`, VALID_PRODUCTION_HEADER),
    line: 19,
    column: 28,
    message: `challenges[0].secrets[1]: found "base-database-url", the master's control-plane database URL secret; a challenge must never receive it (it gets its own CHALLENGE_DATABASE_URL)`,
    rule: 'secret-database-url',
  });
});

test('the database URL secret may not be the admin token secret', () => {
  assertReports({
    name: 'database_url_secret = admin_token_secret',
    text: withChallenges(PINNED, VALID_PRODUCTION_HEADER.replace('database_url_secret: base-database-url', 'database_url_secret: base-admin-token')),
    line: 10,
    column: 24,
    message: `master.database_url_secret: found "base-admin-token", the admin token secret's name; expected a separate secret holding the PostgreSQL URL`,
    rule: 'database-url-secret-distinct',
  });
});

test('the schema refuses a database_url_secret that is not a secret name', () => {
  const problems = problemsOf(withChallenges(PINNED, VALID_PRODUCTION_HEADER.replace('database_url_secret: base-database-url', 'database_url_secret: "postgres://u:p@h/db"')));
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^10:24 .*master\.database_url_secret/);
  assert.doesNotMatch(problems[0]!, /u:p@/, 'a URL pasted by mistake is not echoed with its password');
});
