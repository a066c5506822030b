import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openStore, type ControlPlaneStore } from '../../store/index.ts';
import { randomHotkey } from '../../weights/collect/test/challenge-server.ts';
import { verifyVector } from '../../weights/seal.ts';
import { computeEpochVector, sealAndStore } from '../seal-epoch.ts';
import { staticMetagraphSource } from '../metagraph-source.ts';
import { EPOCH, farFuture, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let dir: string;
before(async () => {
  subnet = await twoChallengeSubnet();
  dir = await mkdtemp(path.join(tmpdir(), 'weights-restart-'));
});
after(async () => {
  await subnet.close();
  await rm(dir, { recursive: true, force: true });
});
const open = () => openStore({ url: path.join(dir, 'store.sqlite3'), environment: 'development' });

test('a restarted master loads the latest vector and adopts the sealed epoch instead of sealing it again', async () => {
  const first = await open();
  const sealed = await subnet.loop(first).runEpoch(EPOCH, { retryUntil: farFuture() });
  assert.equal(sealed.status, 'sealed');
  if (sealed.status !== 'sealed') return;
  await first.close();

  // The challenges now answer differently: a recomputation would give another vector.
  subnet.challenges[0]!.weights = { [randomHotkey()]: 1, [subnet.hotkeys[0]!]: 5 };
  const requestsBefore = subnet.challenges.map((c) => c.requests);

  const second = await open();
  try {
    const loop = subnet.loop(second);
    const loaded = await loop.loadLatest();
    assert.equal(loaded?.digest, sealed.vector.digest, 'served at once after the restart');
    assert.equal(loop.status().lastSealedEpoch, EPOCH);

    const again = await loop.runEpoch(EPOCH, { retryUntil: farFuture() });
    assert.equal(again.status, 'adopted');
    assert.equal(again.status === 'adopted' && again.why, 'already-sealed');
    assert.equal(loop.latest()?.digest, sealed.vector.digest);
    assert.deepEqual(subnet.challenges.map((c) => c.requests), requestsBefore, 'a sealed epoch is not collected again');
    assert.deepEqual(verifyVector(loop.latest(), subnet.keypair.publicKey), { ok: true });
  } finally {
    await second.close();
  }
});

test('a different computation for a sealed epoch is refused by the store and the stored vector is adopted', async () => {
  const store = await open();
  try {
    const original = await store.vectorAt(EPOCH);
    assert.ok(original);
    const metagraph = await staticMetagraphSource(subnet.metagraph).read();
    const other = await computeEpochVector({
      netuid: 7,
      chainEndpoint: 'ws://127.0.0.1:9944',
      epoch: EPOCH,
      challenges: [{ slug: 'alpha', emissionPercent: 100 }],
      fetched: [{ ok: true, slug: 'alpha', attempts: 1, durationMs: 1, bytes: 1, reportedEpoch: null, weights: new Map([[subnet.hotkeys[5]!, 1]]) }],
      fetchedAt: new Date(),
      metagraph,
      store,
      desiredStateRevision: 'other',
      computedAt: new Date(),
    });
    const result = await sealAndStore(store, other.vector, subnet.keypair);
    assert.equal(result.created, false);
    assert.equal(result.adoptedOther, true);
    assert.equal(result.vector.digest, original.digest);
    assert.equal((await store.vectorAt(EPOCH))?.digest, original.digest, 'the stored vector is untouched');

    // The same race inside the loop: another master seals between our check and our seal.
    let hideOnce = true;
    const racing: ControlPlaneStore = Object.assign(Object.create(store) as ControlPlaneStore, {
      vectorAt: async (epoch: number) => {
        if (hideOnce) {
          hideOnce = false;
          return null;
        }
        return store.vectorAt(epoch);
      },
    });
    const loop = subnet.loop(racing);
    const run = await loop.runEpoch(EPOCH, { retryUntil: farFuture() });
    assert.equal(run.status, 'adopted', JSON.stringify(run));
    assert.equal(run.status === 'adopted' && run.why, 'sealed-by-another-computation');
    assert.equal(loop.latest()?.digest, original.digest);
  } finally {
    await store.close();
  }
});
