import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlaneStore } from '../../store/index.ts';
import type { WeightsEvent } from '../weights-epoch-loop.ts';
import { memoryStore, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let store: ControlPlaneStore;
before(async () => {
  subnet = await twoChallengeSubnet();
  store = await memoryStore();
});
after(async () => {
  await subnet.close();
  await store.close();
});

test('started, the loop seals the current epoch at once and each following epoch at its start (1 s epochs)', async () => {
  const events: WeightsEvent[] = [];
  const config = { ...subnet.config, epochIntervalSeconds: 1 };
  const loop = subnet.loop(store, { config: () => config, onEvent: (event) => events.push(event) });
  const firstEpoch = Math.floor(Date.now() / 1000);
  loop.start();
  try {
    const deadline = Date.now() + 10_000;
    while (events.filter((e) => e.type === 'epoch-sealed').length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await loop.stop();
  }
  const sealed = events.filter((e): e is Extract<WeightsEvent, { type: 'epoch-sealed' }> => e.type === 'epoch-sealed');
  assert.ok(sealed.length >= 3, JSON.stringify(events));
  const epochs = sealed.map((e) => e.epoch);
  assert.ok(epochs[0]! - firstEpoch <= 1, `first sealed epoch ${epochs[0]}, started in ${firstEpoch}`);
  assert.deepEqual(epochs.slice(0, 3), [epochs[0]!, epochs[0]! + 1, epochs[0]! + 2], 'one seal per epoch, none skipped');
  assert.equal(loop.latest()?.epoch, epochs.at(-1));
  for (const event of sealed) assert.deepEqual(event.sources.map((s) => s.outcome), ['fresh', 'fresh']);
  // Stopped: no further seal.
  const count = (await store.latestVector())?.epoch;
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  assert.equal((await store.latestVector())?.epoch, count);
});
