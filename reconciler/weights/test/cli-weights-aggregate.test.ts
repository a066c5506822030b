import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { loadAggregateFixtures } from './fixtures.ts';

const projectRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
const scratch = mkdtempSync(join(tmpdir(), 'base-weights-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const base = (...args: string[]) => execa('node', ['bin/base.mjs', ...args], { cwd: projectRoot, reject: false });

// What the Bittensor SDK formula gives for each fixture's reference vector, computed with CPython 3.12:
// [round(w / max(ws) * 65535) for w in ws], zeros dropped.
const sdkU16: Record<string, { uids: number[]; weights: number[] }> = {
  '01_single_challenge_two_miners_equal.json': { uids: [1, 2], weights: [65535, 65535] },
  '02_two_challenges_absolute_shares_with_burn.json': { uids: [0, 5, 15, 30], weights: [65535, 6554, 19660, 39321] },
  '03_spec_like_scores_50_30_20_one_challenge.json': { uids: [1, 2, 3], weights: [65535, 39321, 26214] },
  '04_zero_miner_fallback_burn.json': { uids: [0], weights: [65535] },
  '05_unknown_hotkey_share_burns.json': { uids: [0, 1, 2], weights: [32768, 10923, 65535] },
};

for (const fixture of loadAggregateFixtures()) {
  test(`base weights aggregate reproduces ${fixture.name}`, async () => {
    const inputPath = relative(projectRoot, fixture.path);
    assert.equal(inputPath, `reconciler/weights/test/fixtures/aggregate/${fixture.name}`);
    const run = await base('weights', 'aggregate', '--input', inputPath);
    assert.equal(run.exitCode, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, unknown> & { weights: number[] };
    assert.deepEqual(Object.keys(out), ['uids', 'weights', 'hotkey_weights', 'weights_u16']);
    assert.deepEqual(out.uids, fixture.expected.uids);
    out.weights.forEach((w, i) => assert.ok(Math.abs(w - (fixture.expected.weights[i] as number)) <= 1e-12, `weights[${i}]`));
    const hotkeys = out.hotkey_weights as Record<string, number>;
    assert.deepEqual(Object.keys(hotkeys).sort(), Object.keys(fixture.expected.hotkey_weights).sort());
    for (const [hotkey, w] of Object.entries(fixture.expected.hotkey_weights)) assert.ok(Math.abs((hotkeys[hotkey] as number) - w) <= 1e-12);
    assert.deepEqual(out.weights_u16, sdkU16[fixture.name]);
  });
}

test('base weights aggregate exits 1 with the reason when no chain-valid vector exists', async () => {
  const file = join(scratch, 'no-miners.json');
  writeFileSync(
    file,
    JSON.stringify({
      inputs: {
        challenge_results: [{ slug: 'empty', emission_percent: 100, weights: {}, ok: true }],
        hotkey_to_uid: { validator: 0, hkA: 5 },
        kwargs: { min_allowed_weights: 3 },
      },
    }),
  );
  const run = await base('weights', 'aggregate', '--input', file);
  assert.equal(run.exitCode, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /no weight vector can be built: .*need 3 uids .* only 2 usable uid\(s\)/);
});

test('base weights aggregate names the malformed field, and accepts a bare inputs object', async () => {
  const bad = join(scratch, 'bad.json');
  writeFileSync(bad, JSON.stringify({ inputs: { challenge_results: [{ slug: 'a', emission_percent: 'lots' }], hotkey_to_uid: {} } }));
  const run = await base('weights', 'aggregate', '--input', bad);
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /bad\.json#inputs\.challenge_results\[0\]\.emission_percent: expected a finite number, found "lots"/);

  const bare = join(scratch, 'bare.json');
  writeFileSync(bare, JSON.stringify({ challenge_results: [{ slug: 'a', emission_percent: 60, weights: { hk: 1 } }], hotkey_to_uid: { hk: 3 } }));
  const ok = await base('weights', 'aggregate', '--input', bare, '--compact');
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), '{"uids":[0,3],"weights":[0.4,0.6],"hotkey_weights":{"hk":0.6},"weights_u16":{"uids":[0,3],"weights":[43690,65535]}}');

  const missing = await base('weights', 'aggregate', '--input', join(scratch, 'nope.json'));
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /nope\.json: cannot read: ENOENT/);
});
