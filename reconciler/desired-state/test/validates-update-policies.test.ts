import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { assertReports } from './assert-problem.ts';
import { HEADER, withChallenges } from './documents.ts';

/** HEADER's master (line 8-9) with a policy on lines 10-11, so challenges start on line 15. */
const masterWith = (image: string, policy: string): string =>
  HEADER.replace('  image: reg.example/base/master:1.0.0\n', `  image: ${image}\n  update:\n${policy}`);

const challenge = (image: string, policy: string): string =>
  withChallenges(`  - slug: alpha
    name: Alpha
    image: ${image}
    status: active
    emission_percent: 10
    update:
${policy}`);

test('channel and semver policies on tagged images are valid, with mode defaulting to commit', () => {
  const text = withChallenges(
    `  - slug: alpha
    name: Alpha
    image: reg.example/base/alpha:latest
    status: active
    emission_percent: 10
    update: { channel: latest }
  - slug: beta
    name: Beta
    image: reg.example/base/beta:2.3.1
    status: active
    emission_percent: 10
    update: { semver: "^2.3", mode: pull-request }
`,
    masterWith('reg.example/base/master:v1.0.0', '    semver: ">=1.0.0 <2.0.0"\n'),
  );
  const result = parseDesiredState(text, 'subnet.yaml');
  assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  assert.deepEqual(result.state.challenges[0]?.update, { channel: 'latest', mode: 'commit' });
  assert.deepEqual(result.state.challenges[1]?.update, { semver: '^2.3', mode: 'pull-request' });
  assert.deepEqual(result.state.master.update, { semver: '>=1.0.0 <2.0.0', mode: 'commit' });
});

test('a policy on an image without a tag is reported at the update key', () => {
  assertReports({
    name: 'no tag',
    text: challenge('reg.example/base/alpha', '      channel: latest\n'),
    line: 18,
    column: 5,
    message: 'has no tag; expected the image to name the tag the policy works from (latest)',
    contains: true,
    rule: 'update-policy-needs-tag',
  });
  assertReports({
    name: 'digest only',
    text: masterWith(`reg.example/base/master@sha256:${'cd'.repeat(32)}`, '    semver: ^1.0\n'),
    line: 10,
    column: 3,
    message: 'has no tag; expected the image to name the tag the policy works from (a SemVer tag like 2.3.0)',
    contains: true,
    rule: 'update-policy-needs-tag',
  });
});

test('an invalid semver range is reported at its value', () => {
  assertReports({
    name: 'bad range',
    text: challenge('reg.example/base/alpha:1.0.0', '      semver: "^two"\n'),
    line: 19,
    column: 15,
    message: 'challenges[0].update.semver: found "^two", expected a SemVer range such as ^2.3, ~1.4.0, 2.x or ">=2.0.0 <3.0.0"',
    rule: 'update-policy-semver-range',
  });
});

test('a channel that is not the image tag, and a range on a non-SemVer tag, are reported', () => {
  assertReports({
    name: 'channel mismatch',
    text: challenge('reg.example/base/alpha:1.0.0', '      channel: latest\n'),
    line: 19,
    column: 16,
    message: 'found the channel "latest" on an image tagged "1.0.0"',
    contains: true,
    rule: 'update-policy-channel-tag',
  });
  assertReports({
    name: 'range on latest',
    text: challenge('reg.example/base/alpha:latest', '      semver: ^1.0\n'),
    line: 19,
    column: 15,
    message: 'found a semver range on an image tagged "latest"',
    contains: true,
    rule: 'update-policy-semver-tag',
  });
});

test('a policy with both or neither of channel and semver is reported at the update key', () => {
  assertReports({
    name: 'both',
    text: challenge('reg.example/base/alpha:latest', '      channel: latest\n      semver: ^1.0\n'),
    line: 18,
    column: 5,
    message: 'challenges[0].update: found both channel and semver; expected exactly one',
    contains: true,
    rule: 'update-policy-kind',
  });
  assertReports({
    name: 'neither',
    text: challenge('reg.example/base/alpha:latest', '      mode: commit\n'),
    line: 18,
    column: 5,
    message: 'challenges[0].update: found neither channel nor semver; expected exactly one',
    contains: true,
    rule: 'update-policy-kind',
  });
});

test('the schema refuses an unknown mode and an unknown policy field', () => {
  for (const policy of ['      channel: latest\n      mode: push\n', '      channel: latest\n      interval: 5m\n']) {
    const result = parseDesiredState(challenge('reg.example/base/alpha:latest', policy), 'subnet.yaml');
    assert.equal(result.ok, false, policy);
    if (result.ok) continue;
    assert.ok(result.problems.some((p) => p.rule.startsWith('schema.') && p.path.startsWith('challenges[0].update')), `${policy}: ${JSON.stringify(result.problems)}`);
  }
});

test("the broker's policy is checked like the others", () => {
  assertReports({
    name: 'broker without a tag',
    text: withChallenges(undefined, `${HEADER}broker:\n  image: reg.example/base/broker\n  update: { channel: latest }\n`),
    line: 14,
    column: 3,
    message: 'broker.update: found an update policy on "reg.example/base/broker", which has no tag',
    contains: true,
    rule: 'update-policy-needs-tag',
  });
});
