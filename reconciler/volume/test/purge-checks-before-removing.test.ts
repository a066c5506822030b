import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { describeVolumeText, purgeChallengeVolume, VolumePurgeRefused } from '../index.ts';

interface World {
  volumes: Record<string, { Labels: Record<string, string> }>;
  services: Array<{ ID: string; Spec: { Name: string; TaskTemplate: { ContainerSpec: { Mounts: Array<{ Type: string; Source: string }> } } } }>;
  tasks: Record<string, Array<{ ID: string; Slot: number; Status: { State: string } }>>;
  containers: Record<string, Array<{ Id: string; Names: string[]; State: string }>>;
}

/** An in-memory engine answering the calls purge makes; records removals. */
function engine(world: World, calls: string[] = []): Docker {
  const notFound = Object.assign(new Error('no such volume'), { statusCode: 404 });
  return {
    getVolume: (name: string) => ({
      inspect: async () => {
        calls.push(`inspect ${name}`);
        const volume = world.volumes[name];
        if (!volume) throw notFound;
        return { Name: name, Driver: 'local', CreatedAt: '2026-01-01T00:00:00Z', Labels: volume.Labels };
      },
      remove: async () => {
        calls.push(`remove ${name}`);
        delete world.volumes[name];
      },
    }),
    df: async () => ({ Volumes: Object.keys(world.volumes).map((Name) => ({ Name, UsageData: { Size: 2048 } })) }),
    listServices: async () => world.services,
    listTasks: async (opts: { filters: { service: string[] } }) => world.tasks[opts.filters.service[0] ?? ''] ?? [],
    listContainers: async (opts: { filters: { volume: string[] } }) => world.containers[opts.filters.volume[0] ?? ''] ?? [],
  } as unknown as Docker;
}

const managed = (slug: string) => ({ Labels: { 'base.managed-by': 'base', 'base.challenge.slug': slug } });
const mounting = (name: string, volume: string) => ({ ID: `id-${name}`, Spec: { Name: name, TaskTemplate: { ContainerSpec: { Mounts: [{ Type: 'volume', Source: volume }] } } } });

test('purge refuses a --confirm that is not the slug before asking Docker anything', async () => {
  const calls: string[] = [];
  const docker = engine({ volumes: { 'challenge-a-data': managed('a') }, services: [], tasks: {}, containers: {} }, calls);
  for (const confirm of [undefined, 'b', 'A', 'a ']) {
    await assert.rejects(purgeChallengeVolume(docker, 'a', confirm), (e: Error) => e instanceof VolumePurgeRefused && /--confirm must repeat the slug/.test(e.message));
  }
  assert.deepEqual(calls, []);
});

test('purge refuses a volume without base labels or labelled for another slug', async () => {
  const variants: Array<Record<string, string>> = [{}, { 'base.managed-by': 'base' }, { 'base.managed-by': 'base', 'base.challenge.slug': 'other' }, { 'base.challenge.slug': 'a' }];
  for (const labels of variants) {
    const calls: string[] = [];
    const docker = engine({ volumes: { 'challenge-a-data': { Labels: labels } }, services: [], tasks: {}, containers: {} }, calls);
    await assert.rejects(purgeChallengeVolume(docker, 'a', 'a'), /not a base-managed volume of challenge a/);
    assert.ok(!calls.includes('remove challenge-a-data'), JSON.stringify(labels));
  }
});

test('purge refuses while a service mounts the volume, even scaled to zero, or a stopped container references it', async () => {
  const calls: string[] = [];
  const scaledToZero = engine({ volumes: { 'challenge-a-data': managed('a') }, services: [mounting('challenge-a', 'challenge-a-data')], tasks: {}, containers: {} }, calls);
  await assert.rejects(purgeChallengeVolume(scaledToZero, 'a', 'a'), /in use by service challenge-a \(mounts it in its spec\)/);
  const stopped = engine({ volumes: { 'challenge-a-data': managed('a') }, services: [], tasks: {}, containers: { 'challenge-a-data': [{ Id: 'c1', Names: ['/debug'], State: 'exited' }] } }, calls);
  await assert.rejects(purgeChallengeVolume(stopped, 'a', 'a'), /in use by container debug \(exited\)/);
  assert.ok(!calls.some((c) => c.startsWith('remove')));
});

test('purge removes exactly challenge-<slug>-data once nothing uses it; other volumes stay', async () => {
  const calls: string[] = [];
  const world: World = {
    volumes: { 'challenge-a-data': managed('a'), 'challenge-b-data': managed('b') },
    services: [mounting('challenge-b', 'challenge-b-data')],
    tasks: { 'id-challenge-b': [{ ID: 'task-b-1-0123456789', Slot: 1, Status: { State: 'running' } }] },
    containers: {},
  };
  const removed = await purgeChallengeVolume(engine(world, calls), 'a', 'a');
  assert.equal(removed.name, 'challenge-a-data');
  assert.equal(removed.sizeBytes, 2048);
  assert.deepEqual(calls.filter((c) => c.startsWith('remove')), ['remove challenge-a-data']);
  assert.deepEqual(Object.keys(world.volumes), ['challenge-b-data']);
  assert.match(describeVolumeText(removed), /size: 2\.0 KiB \(2048 bytes\)\n {2}in use: no/);
});

test('purge rejects slugs that are not slugs (no path or name games)', async () => {
  const docker = engine({ volumes: {}, services: [], tasks: {}, containers: {} });
  for (const slug of ['', '../x', 'A', '-a', 'a_b', 'x'.repeat(49)]) {
    await assert.rejects(purgeChallengeVolume(docker, slug, slug), /invalid challenge slug/);
  }
});
