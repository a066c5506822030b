import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { assertReports } from './assert-problem.ts';
import { ALPHA, DIGEST, HEADER, VALID_PRODUCTION_HEADER, withChallenges } from './documents.ts';

const PINNED = ALPHA.replace('alpha:1.0.0', `alpha:1.0.0@${DIGEST}`);
/** The production challenge (lines 14-18) with `hardening:` on line 19 and capabilities_add on line 20. */
const production = (capabilities: string): string => withChallenges(`${PINNED}    hardening:\n      capabilities_add: ${capabilities}\n`, VALID_PRODUCTION_HEADER);
const problemsOf = (text: string): string[] => {
  const result = parseDesiredState(text, 'subnet.yaml');
  return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} [${p.rule}] ${p.message}`);
};

for (const capability of ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'DAC_READ_SEARCH']) {
  test(`production refuses ${capability} at its list entry (line 20, column 44)`, () => {
    assertReports({
      name: capability,
      text: production(`[NET_BIND_SERVICE, ${capability}]`),
      line: 20,
      column: 44,
      message: `challenges[0].hardening.capabilities_add[1]: found ${capability}, a capability that amounts to control of the host; production refuses it for a challenge (it runs on the manager, next to the Docker socket)`,
      rule: 'hardening-capability-production',
    });
    assert.equal(problemsOf(production(`[NET_BIND_SERVICE, ${capability}]`)).length, 1, 'NET_BIND_SERVICE itself is fine');
  });
}

test('production refuses them with the CAP_ prefix too, and refuses ALL', () => {
  assertReports({
    name: 'CAP_SYS_ADMIN',
    text: production('[CAP_SYS_ADMIN]'),
    line: 20,
    column: 26,
    message: 'found CAP_SYS_ADMIN',
    contains: true,
    rule: 'hardening-capability-production',
  });
  assertReports({
    name: 'ALL',
    text: production('[ALL]'),
    line: 20,
    column: 26,
    message: 'challenges[0].hardening.capabilities_add[0]: found ALL; production refuses giving a challenge every capability (it runs on the manager, next to the Docker socket): list only the ones it needs',
    rule: 'hardening-capability-production',
  });
});

test('production accepts a capability that does not give host control', () => {
  assert.deepEqual(problemsOf(production('[NET_BIND_SERVICE, CAP_CHOWN]')), []);
});

test('development accepts the host-control capabilities (a local test bed is the operator’s own machine)', () => {
  assert.deepEqual(problemsOf(withChallenges(`${ALPHA}    hardening:\n      capabilities_add: [SYS_PTRACE, ALL]\n`, HEADER)), []);
});

test('an unknown capability is refused in every environment, with the closest real name', () => {
  assertReports({
    name: 'typo',
    text: withChallenges(`${ALPHA}    hardening:\n      capabilities_add: [NET_BIND_SERVIC]\n`, HEADER),
    line: 19,
    column: 26,
    message: 'challenges[0].hardening.capabilities_add[0]: found "NET_BIND_SERVIC", which is not a Linux capability; expected a name like NET_BIND_SERVICE (did you mean "NET_BIND_SERVICE"?)',
    rule: 'hardening-capability-known',
  });
});

test('the same capability twice (with and without CAP_) is one too many', () => {
  assertReports({
    name: 'twice',
    text: withChallenges(`${ALPHA}    hardening:\n      capabilities_add: [CHOWN, CAP_CHOWN]\n`, HEADER),
    line: 19,
    column: 33,
    message: 'challenges[0].hardening.capabilities_add[1]: found CHOWN again (first at challenges[0].hardening.capabilities_add[0]); expected each capability once',
    rule: 'hardening-capability-unique',
  });
});

test('the schema refuses a lower-case or malformed capability name', () => {
  const result = parseDesiredState(withChallenges(`${ALPHA}    hardening:\n      capabilities_add: [net_admin]\n`, HEADER), 'subnet.yaml');
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.problems.some((p) => p.line === 19 && p.rule.startsWith('schema.')), JSON.stringify(!result.ok && result.problems));
});
