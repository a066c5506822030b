// Every open commit in the ledger is followed to its end. Timelocked: `revealed` (with the block) when the reveal
// window holds TimelockedWeightsRevealed for our hotkey, `dropped` when the window passes without it; the blocks
// already read are not read again. Hash: nothing is sent before the window; in it reveal_weights goes out with the
// stored salt; RevealTooEarly keeps it pending; after the window it is dropped; a crash while revealing is resolved
// from the chain. The salt leaves the ledger once the commit is settled. The chain is a recording stand-in.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ObservedBlock } from '../../reconciler/chain/events.ts';
import { Ledger } from '../ledger.ts';
import { trackCommits } from '../reveal-tracking.ts';
import { runRound } from '../round.ts';
import { commitRevealReading, permissiveState, RecordingChain, sealedVector, tempDir, testConfig } from './helpers.ts';

const work = tempDir('tracking');
after(() => work.remove());
const HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const NOW = new Date(commitRevealReading().timestampMs + 1_000);
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

/** Commits one vector (window 19..29) and returns what the tracker needs. */
async function committed(name: string, mode: 'timelocked' | 'hash') {
  const config = testConfig(work.dir, { state_dir: name, commit_reveal: { mode } });
  const reading = commitRevealReading();
  const chain = new RecordingChain(permissiveState({ commitRevealEnabled: true, block: reading.block }), {
    status: 'included',
    extrinsicHash: '0x01',
    blockHash: hash(11),
    blockNumber: 11,
  });
  chain.commitReveal = reading;
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: { v: 0, a: 1, b: 2 }, computedAt: NOW });
  const ledger = Ledger.open(config.stateDir);
  const report = await runRound({ config, hotkey: HOTKEY, ledger, chain, now: () => NOW, fetchVector: async () => ({ body: vector, attempts: 1 }) });
  assert.equal(report.outcome, 'committed', JSON.stringify(report));
  const commit = () => ledger.find(vector.digest, 2, HOTKEY)!.commit!;
  if (mode === 'hash') chain.openHashCommits = [{ hash: commit().commit_hash, commitBlock: 11, firstRevealBlock: null, lastRevealBlock: null }];
  const track = () => trackCommits({ config, hotkey: HOTKEY, ledger, chain, now: () => NOW });
  const at = (number: number) => {
    chain.state = { ...chain.state, block: { number, hash: hash(number) } };
  };
  return { chain, ledger, commit, track, at, vector };
}

/** A block whose initialization phase holds what the chain emits for a successful timelocked reveal. */
function revealBlock(number: number, who: string, netuid = 2): ObservedBlock {
  return {
    number,
    hash: hash(number),
    events: [
      { phase: 'initialization', section: 'subtensorModule', method: 'WeightsSet', data: [netuid, 1] },
      { phase: 'initialization', section: 'subtensorModule', method: 'TimelockedWeightsRevealed', data: [netuid, who] },
      { phase: 0, section: 'system', method: 'ExtrinsicSuccess', data: [{}] },
    ],
  };
}
const quietBlock = (number: number): ObservedBlock => ({ number, hash: hash(number), events: [{ phase: 0, section: 'system', method: 'ExtrinsicSuccess', data: [{}] }] });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('timelocked: waiting before the window, revealed in the block that holds our TimelockedWeightsRevealed', async () => {
  const { chain, track, at, commit } = await committed('tl-revealed', 'timelocked');
  at(15);
  const [waiting] = await track();
  assert.equal(waiting?.outcome, 'waiting_reveal');
  assert.match(waiting!.reason!, /opens at block 19/);

  chain.queued = true;
  chain.blocks = [...range(19, 20).map(quietBlock), revealBlock(21, 'someone-else'), revealBlock(22, HOTKEY)];
  at(20);
  const [watching] = await track();
  assert.equal(watching?.outcome, 'waiting_reveal');
  assert.equal(commit().reveal.scanned_through, 20, 'blocks read are remembered');

  at(23);
  const [revealed] = await track();
  assert.equal(revealed?.outcome, 'revealed', JSON.stringify(revealed));
  assert.deepEqual(revealed!.block, { number: 22, hash: hash(22) });
  assert.equal(commit().reveal.state, 'revealed');
  assert.deepEqual(await track(), [], 'a settled commit is not followed any more');
});

test('timelocked: dropped when the window passes without our reveal (or the commit leaves the queue silently)', async () => {
  const passed = await committed('tl-dropped', 'timelocked');
  passed.chain.blocks = range(19, 29).map(quietBlock);
  passed.chain.queued = false;
  passed.at(31);
  const [dropped] = await passed.track();
  assert.equal(dropped?.outcome, 'dropped', JSON.stringify(dropped));
  assert.match(dropped!.reason!, /no TimelockedWeightsRevealed for this hotkey in blocks 19\.\.29/);
  assert.equal(passed.commit().reveal.state, 'dropped');

  const early = await committed('tl-left-queue', 'timelocked');
  early.chain.blocks = range(19, 21).map(quietBlock);
  early.chain.queued = false;
  early.at(21);
  const [gone] = await early.track();
  assert.equal(gone?.outcome, 'dropped');
  assert.match(gone!.reason!, /left the queue by block 21 without a TimelockedWeightsRevealed/);
});

test('hash: nothing before the window; in it reveal_weights with the stored salt; RevealTooEarly stays pending', async () => {
  const { chain, track, at, commit, vector } = await committed('hash-reveal', 'hash');
  const salt = commit().salt!;
  at(12);
  const [waiting] = await track();
  assert.equal(waiting?.outcome, 'waiting_reveal');
  assert.equal(waiting!.next_round_in_ms, 6 * 12_000, 'the loop wakes when the window opens (block 19 = head 18 + 1)');
  assert.equal(chain.commitRevealSubmissions.length, 1, 'only the commit so far');

  at(18);
  chain.outcome = {
    status: 'failed',
    extrinsicHash: '0x02',
    blockHash: hash(19),
    blockNumber: 19,
    error: { kind: 'module', name: 'subtensorModule.RevealTooEarly', pallet: 'subtensorModule', error: 'RevealTooEarly' },
  };
  const [refused] = await track();
  assert.equal(refused?.outcome, 'reveal_refused', JSON.stringify(refused));
  assert.equal(refused!.error, 'subtensorModule.RevealTooEarly');
  assert.equal(commit().reveal.state, 'pending');
  const reveal = chain.commitRevealSubmissions[1]!;
  assert.deepEqual(reveal, { kind: 'reveal_hash', netuid: 2, uids: vector.weights_u16.uids, values: vector.weights_u16.weights, salt, versionKey: 0n });
  assert.ok(!JSON.stringify(refused).includes(salt.join(',')));

  at(19);
  chain.outcome = { status: 'included', extrinsicHash: '0x03', blockHash: hash(20), blockNumber: 20 };
  const [revealed] = await track();
  assert.equal(revealed?.outcome, 'revealed');
  assert.deepEqual(revealed!.block, { number: 20, hash: hash(20) });
  assert.equal(commit().salt, undefined, 'the salt leaves the ledger once settled');
  assert.equal(chain.commitRevealSubmissions.length, 3);
});

test('hash: dropped after the window, and a reveal interrupted by a crash is found on chain instead of sent again', async () => {
  const late = await committed('hash-late', 'hash');
  late.at(29);
  const [dropped] = await late.track();
  assert.equal(dropped?.outcome, 'dropped');
  assert.match(dropped!.reason!, /window 19\.\.29 passed without a reveal/);
  assert.equal(late.chain.commitRevealSubmissions.length, 1);

  const crashed = await committed('hash-crash', 'hash');
  crashed.ledger.updateCommit({ digest: crashed.vector.digest, netuid: 2, hotkey: HOTKEY }, (c) => {
    c.reveal.state = 'sending';
    c.reveal.scanned_through = 20;
  }, NOW);
  crashed.chain.openHashCommits = []; // the chain consumed the commit
  crashed.chain.blocks = [quietBlock(21), { number: 22, hash: hash(22), events: [{ phase: 1, section: 'subtensorModule', method: 'WeightsRevealed', data: [HOTKEY, 2, crashed.commit().commit_hash] }] }];
  crashed.at(23);
  const [found] = await crashed.track();
  assert.equal(found?.outcome, 'revealed', JSON.stringify(found));
  assert.deepEqual(found!.block, { number: 22, hash: hash(22) });
  assert.equal(crashed.chain.commitRevealSubmissions.length, 1, 'no second reveal');
});
