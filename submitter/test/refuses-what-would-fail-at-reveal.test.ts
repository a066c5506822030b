// Before committing (or setting) weights, everything the runtime's set_weights checks is checked against chain state,
// because on a commit-reveal subnet a bad reveal fails silently: version key, validator permit, minimum and maximum
// weights, uids on the subnet, duplicates. Each refusal is named in the round's log line and nothing is sent.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Ledger } from '../ledger.ts';
import { chainRefusal } from '../prechecks.ts';
import { runRound } from '../round.ts';
import { commitRevealReading, permissiveState, RecordingChain, sealedVector, tempDir, testConfig } from './helpers.ts';

const work = tempDir('prechecks');
after(() => work.remove());
const HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const call = (uids: number[], weights: number[], versionKey = 0n) => ({ netuid: 2, uids, weights, versionKey });

test('each check of the runtime has its own named refusal', () => {
  const state = permissiveState({ uid: 1, subnetworkN: 8, minAllowedWeights: 3, maxWeightLimit: 32768, weightsVersionKey: 5n });
  const named = (s: typeof state, c: ReturnType<typeof call>) => chainRefusal(s, c)?.refusal ?? null;
  const fine = call([2, 3, 4], [65535, 65535, 32768], 5n); // largest share 0.4 <= 0.5
  assert.equal(named(state, fine), null);
  assert.equal(named({ ...state, subnetExists: false }, fine), 'subnet_missing');
  assert.equal(named({ ...state, uid: null }, fine), 'hotkey_not_registered');
  assert.equal(named(state, { ...fine, versionKey: 4n }), 'version_key_too_low');
  assert.equal(named(state, call([2, 2, 4], [1, 1, 1], 5n)), 'duplicate_uids');
  assert.equal(named(state, call([2, 3, 9], [1, 1, 1], 5n)), 'uid_not_on_subnet');
  assert.equal(named({ ...state, validatorPermit: false }, fine), 'no_validator_permit');
  assert.equal(named(state, call([2, 3], [1, 1], 5n)), 'too_few_weights');
  assert.equal(named(state, call([2, 3, 4], [65535, 1000, 1000], 5n)), 'weight_above_limit');
  // Weights on oneself alone pass the permit, length and limit checks, as on chain.
  assert.equal(named({ ...state, validatorPermit: false }, call([1], [65535], 5n)), null);
  // MinAllowedWeights above the subnet size asks for every uid, not more.
  assert.equal(named({ ...state, subnetworkN: 2, minAllowedWeights: 5 }, call([0, 1], [1, 1], 5n)), null);
  assert.match(chainRefusal(state, call([2, 3, 4], [65535, 1000, 1000], 5n))!.reason, /the largest weight is 0\.970\d+ of the total; MaxWeightsLimit allows 0\.500008/);
});

test('on a commit-reveal subnet a refused vector is not committed: no permit, too few weights, above the limit', async () => {
  const overrides = [
    ['no-permit', { validatorPermit: false }, 'no_validator_permit'],
    ['too-few', { minAllowedWeights: 8 }, 'too_few_weights'],
    ['above-limit', { maxWeightLimit: 1000 }, 'weight_above_limit'],
  ] as const;
  for (const [name, state, refusal] of overrides) {
    const chain = new RecordingChain(permissiveState({ commitRevealEnabled: true, ...state }));
    chain.commitReveal = commitRevealReading();
    const config = testConfig(work.dir, { state_dir: name });
    const vector = await sealedVector({ netuid: 2, hotkeyToUid: { v: 0, a: 1, b: 2, c: 3 } });
    const ledger = Ledger.open(config.stateDir);
    const report = await runRound({ config, hotkey: HOTKEY, ledger, chain, fetchVector: async () => ({ body: vector, attempts: 1 }) });
    assert.equal(report.outcome, 'refused', name);
    assert.equal(report.refusal, refusal, name);
    assert.equal(chain.commitRevealSubmissions.length + chain.submissions.length, 0, name);
    assert.deepEqual(ledger.entries(), [], name);
  }
});
