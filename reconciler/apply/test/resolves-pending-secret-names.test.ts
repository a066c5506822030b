import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { compile, plan as makePlan } from '../../plan/index.ts';
import { emptyLiveState } from '../../live/index.ts';
import { openStateDir } from '../../state/index.ts';
import { resolvePendingSecretNames } from '../resolve-pending.ts';
import type { SubnetDesiredState } from '../../desired-state/index.ts';

const IMAGE = '127.0.0.1:5000/x/y:1@sha256:' + 'a'.repeat(64);
const desired: SubnetDesiredState = {
  version: 1,
  subnet: { name: 's', netuid: 2, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
  master: { image: IMAGE },
  networks: [{ name: 'n' }],
  challenges: [{ slug: 'alpha', name: 'Alpha', image: IMAGE, status: 'active', emission_percent: 10 }],
};

test('a plan made before the token existed gets the minted content-hash name in the secret and in the service reference', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-pending-'));
  try {
    const state = openStateDir(dir);
    const plan = makePlan(compile(desired), emptyLiveState());
    const pending = plan.changes.find((c) => c.kind === 'secret' && c.name.startsWith('challenge-alpha-token-'));
    assert.ok(pending && pending.name.includes('(minted at apply)'), JSON.stringify(plan.changes.map((c) => c.name)));

    const resolved = await resolvePendingSecretNames(plan, state);
    const minted = (await state.tokenSecretNames(['alpha'])).get('alpha');
    assert.match(minted ?? '', /^challenge-alpha-token-[0-9a-f]{12}$/);
    const secret = resolved.changes.find((c) => c.kind === 'secret' && c.desired?.kind === 'secret' && c.desired.source.type === 'challenge-token');
    assert.equal(secret?.name, minted);
    assert.equal(secret?.desired?.kind === 'secret' ? secret.desired.name : null, minted);
    const service = resolved.changes.find((c) => c.name === 'challenge-alpha');
    const refs = service?.desired?.kind === 'service' ? (service.desired.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Secrets ?? [] : [];
    assert.ok(refs.some((r) => r.SecretName === minted), JSON.stringify(refs));
    assert.ok(!JSON.stringify(resolved).includes('(minted at apply)'));
    // The original plan is not modified.
    assert.ok(JSON.stringify(plan).includes('(minted at apply)'));
    // Resolving again reuses the same token.
    const again = await resolvePendingSecretNames(plan, state);
    assert.equal(again.changes.find((c) => c.kind === 'secret' && c.name.startsWith('challenge-alpha'))?.name, minted);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a master with its own service_name gets a signing key named after it, never base-master's", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-pending-'));
  try {
    const state = openStateDir(dir);
    const named: SubnetDesiredState = { ...desired, master: { image: IMAGE, service_name: 't-other-master' } };
    const resolved = await resolvePendingSecretNames(makePlan(compile(named), emptyLiveState()), state);
    const key = resolved.changes.find((c) => c.desired?.kind === 'secret' && c.desired.source.type === 'master-signing-key');
    assert.match(key?.name ?? '', /^t-other-master-signing-key-[0-9a-f]{12}$/);
    assert.equal(key?.name, await state.masterSigningKeySecretName('t-other-master'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
