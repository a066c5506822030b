import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { ALPHA, DIGEST, PRODUCTION_HEADER, withChallenges } from './documents.ts';

/** A production file with 50 pinned challenges, each with env, resources and metadata. */
function fiftyChallenges(): string {
  let block = '';
  for (let i = 0; i < 50; i++) {
    block += ALPHA.replace('slug: alpha', `slug: challenge-${i}`)
      .replace('alpha:1.0.0', `c${i}:1.0.${i}@${DIGEST}`)
      .replace('emission_percent: 10', 'emission_percent: 2')
      .concat(`    resources: { cpus: "1.5", memory: 2GiB, pids: 256 }\n    env: { LOG_LEVEL: info, WORKERS: ${i} }\n    metadata: { tagline: "Challenge ${i}" }\n`);
  }
  return withChallenges(block, PRODUCTION_HEADER);
}

test('a 50-challenge file parses and validates in a few milliseconds', () => {
  const text = fiftyChallenges();
  const first = parseDesiredState(text, 'big.yaml');
  assert.ok(first.ok, first.ok ? '' : first.problems.map((p) => p.message).join('\n'));
  assert.equal(first.state.challenges.length, 50);
  for (let i = 0; i < 10; i++) parseDesiredState(text, 'big.yaml'); // warm up the JIT
  const runs = 50;
  // CPU time, not wall time: other test files run in parallel and would otherwise make this flaky.
  const started = process.cpuUsage();
  for (let i = 0; i < runs; i++) parseDesiredState(text, 'big.yaml');
  const used = process.cpuUsage(started);
  const perParse = (used.user + used.system) / 1000 / runs;
  // About 5 ms of CPU here (mostly the YAML lexer); the bound leaves room for slower CI machines.
  if (process.env.SHOW_TIMING) console.log({ perParse });
  assert.ok(perParse < 20, `parseDesiredState took ${perParse.toFixed(2)} ms of CPU per 50-challenge file`);
});
