/**
 * The emission impact of a change, against hand-checkable fixtures (fixtures/emission-impact/SOURCE.md): a share
 * moved between challenges, a challenge added (its share burns until it answers), one retired (its share burns);
 * the renderers show the same numbers in text and Markdown.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { emissionImpact, type EmissionImpact } from '../emission-impact.ts';
import { parseEpochInputs } from '../../weights/epoch-inputs.ts';
import { emissionImpactJson, renderEmissionImpactMarkdown, renderEmissionImpactText } from '../../render/emission-impact.ts';

const epochs = (JSON.parse(readFileSync(new URL('./fixtures/emission-impact/two-epochs.inputs.json', import.meta.url), 'utf8')) as unknown[]).map((doc, i) =>
  parseEpochInputs(doc, `two-epochs[${i}]`),
);
const SHARES = { alpha: 50, beta: 30, gamma: 10 };
const shares = (overrides: Record<string, number | null>) =>
  new Map(Object.entries({ ...SHARES, ...overrides }).filter((entry): entry is [string, number] => entry[1] !== null));

function weights(impact: EmissionImpact): Record<number, [number, number]> {
  return Object.fromEntries(impact.uids.map((u) => [u.uid, [round(u.before), round(u.after)]]));
}
const round = (x: number) => Math.round(x * 1e12) / 1e12;

test('the same shares reproduce the sealed weights: no change', () => {
  const impact = emissionImpact(epochs, shares({}));
  assert.equal(impact.changed, false);
  assert.deepEqual(impact.epochs, [100, 101]);
  // Mean of epoch 100 (uid 1 .275, 2 .25, 3 .3, 4 .075) and epoch 101 (.4, .125, .3, .075); 10 % burns.
  assert.deepEqual(weights(impact), { 0: [0.1, 0.1], 1: [0.3375, 0.3375], 2: [0.1875, 0.1875], 3: [0.3, 0.3], 4: [0.075, 0.075] });
  assert.ok(impact.challenges.every((c) => c.change === 'unchanged'));
  assert.match(renderEmissionImpactText({ status: 'ok', master: 'http://m', impact }), /No weight changes: these shares give the sealed vectors\./);
});

test('10 points moved from alpha to beta: alpha\'s miners lose, beta\'s gain, the burn stays', () => {
  const impact = emissionImpact(epochs, shares({ alpha: 40, beta: 40 }));
  assert.equal(impact.changed, true);
  assert.deepEqual(weights(impact), { 0: [0.1, 0.1], 1: [0.3375, 0.275], 2: [0.1875, 0.15], 3: [0.3, 0.4], 4: [0.075, 0.075] });
  assert.deepEqual(impact.uids.map((u) => u.uid), [3, 1, 2, 0, 4], 'the largest change first');
  assert.deepEqual(impact.challenges.map((c) => [c.slug, c.before, c.after, c.change]), [
    ['alpha', 50, 40, 'lost'],
    ['beta', 30, 40, 'gained'],
    ['gamma', 10, 10, 'unchanged'],
  ]);
  assert.equal(impact.uids.find((u) => u.uid === 3)!.hotkey, 'hk-c');

  const text = renderEmissionImpactText({ status: 'ok', master: 'https://master.example', impact });
  assert.equal(
    text,
    [
      "Emission impact: replay of 2 sealed epochs 100..101 from https://master.example with this file's shares (mean weight per uid)",
      '  alpha: 50% → 40%, loses share',
      '  beta: 30% → 40%, gains share',
      '  burn (uid 0): 10.000% → 10.000% (±0)',
      '  uid 3 hk-c: 30.000% → 40.000% (+10.000 pp)',
      '  uid 1 hk-a: 33.750% → 27.500% (-6.250 pp)',
      '  uid 2 hk-b: 18.750% → 15.000% (-3.750 pp)',
      '',
    ].join('\n'),
  );
  const markdown = renderEmissionImpactMarkdown({ status: 'ok', master: 'https://master.example', impact });
  assert.match(markdown, /^### Emission impact\n\nReplay of 2 sealed epochs 100\.\.101 from https:\/\/master\.example/);
  assert.match(markdown, /\*\*Burn \(uid 0\): 10\.000% → 10\.000% \(±0\)\*\*/);
  assert.match(markdown, /\| `alpha` \| 50% \| 40% \| loses share \|/);
  assert.match(markdown, /\| 3 \| `hk-c` \| 30\.000% \| 40\.000% \| \+10\.000 pp \|/);
  assert.ok(!markdown.includes('| 4 |'), 'an unchanged uid is not listed');
});

test('a challenge added with 10 points of alpha\'s: no answers yet, so its share burns', () => {
  const impact = emissionImpact(epochs, shares({ alpha: 40, delta: 10 }));
  assert.deepEqual(weights(impact), { 0: [0.1, 0.2], 1: [0.3375, 0.275], 2: [0.1875, 0.15], 3: [0.3, 0.3], 4: [0.075, 0.075] });
  assert.deepEqual(impact.challenges.at(-1), { slug: 'delta', before: null, after: 10, change: 'added' });
  assert.match(renderEmissionImpactText({ status: 'ok', master: 'http://m', impact }), /\n {2}delta: — → 10%, added \(no answers yet: burns\)\n {2}burn \(uid 0\): 10\.000% → 20\.000% \(\+10\.000 pp\)\n/);
  // Taking the unallocated remainder instead changes nothing: it burned before, the new challenge's share burns now.
  assert.equal(emissionImpact(epochs, shares({ delta: 10 })).changed, false);
});

test('a challenge retired: its answers are left out and its share burns', () => {
  const impact = emissionImpact(epochs, shares({ gamma: null }));
  // gamma gave uid 4 .075 and uid 1 .025.
  assert.deepEqual(weights(impact), { 0: [0.1, 0.2], 1: [0.3375, 0.3125], 2: [0.1875, 0.1875], 3: [0.3, 0.3], 4: [0.075, 0] });
  assert.deepEqual(impact.challenges.find((c) => c.slug === 'gamma'), { slug: 'gamma', before: 10, after: null, change: 'retired' });
  const markdown = renderEmissionImpactMarkdown({ status: 'ok', master: 'http://m', impact });
  assert.match(markdown, /\| `gamma` \| 10% \| — \| retired \(its share burns\) \|/);
  assert.match(markdown, /\| 4 \| `hk-d` \| 7\.500% \| 0\.000% \| -7\.500 pp \|/);
});

test('an epoch with an opted-out challenge is skipped and named; an unreachable master is one line', () => {
  const hidden = structuredClone(epochs[1]!);
  hidden.challenge_results[1]!.raw_scores_published = false;
  delete hidden.challenge_results[1]!.weights;
  const impact = emissionImpact([epochs[0]!, hidden], shares({ alpha: 40, beta: 40 }));
  assert.deepEqual(impact.epochs, [100]);
  assert.deepEqual(impact.skipped, [{ epoch: 101, reason: 'beta does not publish raw scores (publish_raw_scores: false)' }]);
  assert.match(renderEmissionImpactMarkdown({ status: 'ok', master: 'http://m', impact }), /\n- epoch 101 not replayed: beta does not publish raw scores/);

  const down = { status: 'unavailable' as const, master: 'http://10.0.0.1:8080', reason: 'GET http://10.0.0.1:8080/v1/weights/latest: fetch failed' };
  assert.equal(
    renderEmissionImpactMarkdown(down),
    '### Emission impact\n\n> ⚠️ Emission impact not computed: the master http://10.0.0.1:8080 could not be asked (GET http://10.0.0.1:8080/v1/weights/latest: fetch failed); the service plan is complete without it.\n\n',
  );
  assert.match(renderEmissionImpactText(down), /^Emission impact: not computed: the master http:\/\/10\.0\.0\.1:8080 could not be asked/);
  assert.deepEqual(emissionImpactJson(down), down);
  assert.equal((emissionImpactJson({ status: 'ok', master: 'http://m', impact }) as { format_version: number }).format_version, 1);
});
