import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectedAnswer, scoreAnswer, taskFor } from '../src/scoring.ts';
import { ALICE, BOB, CHARLIE, TOKEN, getJson, postJson, startTestChallenge, type TestChallenge } from './support.ts';

let challenge: TestChallenge;
let clock = 1_000;
before(async () => {
  challenge = await startTestChallenge({}, () => clock++);
});
after(() => challenge.close());

test('scoring is deterministic: exact answer 1, 1/(1+distance) otherwise; tasks differ by slug', () => {
  const task = taskFor('example-challenge');
  assert.deepEqual(taskFor('example-challenge'), task);
  assert.notDeepEqual(taskFor('example-challenge-x').numbers, task.numbers);
  const right = expectedAnswer(task);
  assert.equal(scoreAnswer(task, right), 1);
  assert.equal(scoreAnswer(task, right + 3), 0.25);
  assert.equal(scoreAnswer(task, right - 1), 0.5);
});

test('a miner reads the task, submits; the leaderboard ranks best scores and the weights carry them', async () => {
  const { body: task } = await getJson(`${challenge.url}/task`);
  const right = task.numbers.reduce((a: number, b: number) => a + b, 0);

  const bob = await postJson(`${challenge.url}/submissions`, { hotkey: BOB, answer: right + 1 });
  assert.equal(bob.status, 201);
  assert.equal(bob.body.score, 0.5);
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: ALICE, answer: right + 9 })).body.score, 0.1);
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: ALICE, answer: right })).body.score, 1);
  // A worse later answer does not lower a hotkey's best.
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: ALICE, answer: right + 99 })).body.score, 0.01);
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: CHARLIE, answer: right - 1 })).status, 201);

  const { body: board } = await getJson(`${challenge.url}/leaderboard`);
  assert.deepEqual(
    board.entries.map((e: { rank: number; hotkey: string; best_score: number; submissions: number }) => [e.rank, e.hotkey, e.best_score, e.submissions]),
    [
      [1, ALICE, 1, 3],
      [2, BOB, 0.5, 1], // same best as Charlie, reached earlier
      [3, CHARLIE, 0.5, 1],
    ],
  );

  const { body } = await getJson(`${challenge.url}/internal/v1/get_weights`, { authorization: `Bearer ${TOKEN}` });
  assert.deepEqual(body.weights, { [ALICE]: 1, [BOB]: 0.5, [CHARLIE]: 0.5 });
});

test('bad submissions are refused with 4xx and not stored', async () => {
  const before = (await getJson(`${challenge.url}/leaderboard`)).body.entries.length;
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: 'not-a-hotkey', answer: 1 })).status, 400);
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: ALICE.slice(0, 40), answer: 1 })).status, 400);
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: 'OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO', answer: 1 })).status, 400);
  assert.equal((await postJson(`${challenge.url}/submissions`, { hotkey: ALICE, answer: '12' })).status, 400);
  assert.equal((await postJson(`${challenge.url}/submissions`, [ALICE, 1])).status, 400);
  const notJson = await fetch(`${challenge.url}/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hotkey":' });
  assert.equal(notJson.status, 400);
  const wrongType = await fetch(`${challenge.url}/submissions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(wrongType.status, 415);
  const huge = await fetch(`${challenge.url}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hotkey: ALICE, answer: 1, pad: 'x'.repeat(20_000) }),
  });
  assert.equal(huge.status, 413);
  assert.equal((await getJson(`${challenge.url}/leaderboard`)).body.entries.length, before);
});
