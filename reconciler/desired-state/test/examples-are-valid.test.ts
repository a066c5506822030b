import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDesiredState } from '../index.ts';

const desiredStateDir = fileURLToPath(new URL('../../../desired-state/', import.meta.url));
const examples = readdirSync(`${desiredStateDir}examples`).filter((name) => name.endsWith('.yaml')).sort();

test('there are example variants to check', () => {
  assert.ok(examples.length >= 3, `found only ${examples.length} examples`);
});

for (const file of ['subnet.yaml', ...examples.map((name) => `examples/${name}`)]) {
  test(`desired-state/${file} is valid and points editors at the schema`, async () => {
    const path = `${desiredStateDir}${file}`;
    const result = await loadDesiredState(path);
    assert.deepEqual(result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`), []);
    const firstLine = readFileSync(path, 'utf8').split('\n')[0];
    assert.match(firstLine ?? '', /^# yaml-language-server: \$schema=(\.\.\/)+schemas\/subnet\.schema\.json$/);
  });
}

test('the main example has two challenges, an encrypted and a plain network, a CPU and a GPU worker, pinned images', async () => {
  const result = await loadDesiredState(`${desiredStateDir}subnet.yaml`);
  assert.ok(result.ok);
  const { state } = result;
  assert.equal(state.subnet.environment, 'production');
  assert.match(state.subnet.chain_endpoint, /^wss:\/\//);
  assert.equal(state.challenges.length, 2);
  assert.deepEqual(state.networks.map((n) => n.encrypted), [true, false]);
  assert.deepEqual(state.workers?.map((w) => w.workload).sort(), ['cpu', 'gpu']);
  for (const image of [state.master.image, ...state.challenges.map((c) => c.image)]) {
    assert.match(image, /^[a-z0-9.-]+\/[a-z0-9/._-]+:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  }
});

test('defaults from the schema are applied', async () => {
  const result = await loadDesiredState(`${desiredStateDir}examples/minimal.yaml`);
  assert.ok(result.ok);
  const { state } = result;
  assert.equal(state.subnet.burn_uid, 0);
  assert.equal(state.master.port, 18080);
  assert.equal(state.master.admin_token_secret, 'base-admin-token');
  assert.deepEqual(state.networks[0], { name: 'base-challenges', encrypted: true, internal: false, attachable: false });
  assert.equal(state.challenges[0]?.port, 8000);
});

test('anchors and merge keys resolve to the shared values', async () => {
  const result = await loadDesiredState(`${desiredStateDir}examples/anchors.yaml`);
  assert.ok(result.ok);
  const [alpha, beta] = result.state.challenges;
  assert.equal(beta?.slug, 'beta');
  assert.equal(beta?.image, alpha?.image);
  assert.deepEqual(beta?.resources, { cpus: 0.5, memory: '512M' });
});
