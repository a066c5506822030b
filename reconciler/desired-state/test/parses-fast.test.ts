import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { manyChallenges } from './documents.ts';

test('a 50-challenge file parses and validates in well under 50 ms of CPU', () => {
  const text = manyChallenges(50);
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
  // 5-20 ms of CPU on this (shared, loaded) 2-core machine, nearly all of it the yaml library's parser; the bound
  // catches a regression of our own (say, a quadratic check) without failing on a busy CI machine.
  if (process.env.SHOW_TIMING) console.log({ perParse });
  assert.ok(perParse < 50, `parseDesiredState took ${perParse.toFixed(2)} ms of CPU per 50-challenge file`);
});
