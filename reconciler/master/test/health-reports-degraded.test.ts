import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHealth, type HealthDocument, type HealthInputs } from '../health.ts';
import type { SwarmSnapshot } from '../swarm-status.ts';
import { send, startTestMaster } from './support.ts';

const base: HealthInputs = {
  version: '1.2.3',
  startedAt: new Date('2026-01-01T00:00:00Z'),
  now: new Date('2026-01-01T00:00:42Z'),
  docker: null,
  store: null,
  weights: null,
  desired: { loaded: true, file: 'subnet.yaml', error: null },
  signingKey: null,
  challenges: { probed: 2, healthy: 2 },
};
const dockerUp: SwarmSnapshot = { available: true, checkedAt: 't', lastOkAt: 't', error: null, tasks: new Map(), revision: null };
const storeUp = { available: true, unavailableSince: null, lastOkAt: '2026-01-01T00:00:40.000Z', lastError: null, outages: 0 };

test('ok when every configured dependency answers; unconfigured ones do not count', () => {
  const health = buildHealth(base);
  assert.equal(health.status, 'ok');
  assert.deepEqual(health.reasons, []);
  assert.equal(health.uptime_seconds, 42);
  assert.equal(health.docker.configured, false);
  const full = buildHealth({ ...base, docker: dockerUp, store: storeUp, weights: { lastSealedEpoch: 9, lastError: null, storeAvailable: true } });
  assert.equal(full.status, 'ok');
  assert.equal(full.weights?.last_sealed_epoch, 9);
});

test('degraded with a reason when the Docker API is unreachable', () => {
  const health = buildHealth({ ...base, docker: { ...dockerUp, available: false, error: 'ECONNREFUSED' } });
  assert.equal(health.status, 'degraded');
  assert.deepEqual(health.reasons, ['docker API unreachable (ECONNREFUSED)']);
  assert.equal(health.docker.available, false);
});

test('degraded when the store is unreachable, seen by the store wrapper or by the weights reader', () => {
  const down = { available: false, unavailableSince: '2026-01-01T00:00:10.000Z', lastOkAt: null, lastError: 'connect ECONNREFUSED', outages: 1 };
  const health = buildHealth({ ...base, store: down });
  assert.equal(health.status, 'degraded');
  assert.deepEqual(health.reasons, ['control-plane store unreachable']);
  assert.equal(health.store.unavailable_since, '2026-01-01T00:00:10.000Z');
  assert.equal(health.store.outages, 1);
  const viaReader = buildHealth({ ...base, store: storeUp, weights: { lastSealedEpoch: 3, lastError: 'x', storeAvailable: false } });
  assert.equal(viaReader.status, 'degraded');
  assert.deepEqual(viaReader.reasons, ['control-plane store unreachable']);
});

test('degraded when the desired state cannot be loaded; several reasons add up', () => {
  const health = buildHealth({
    ...base,
    docker: { ...dockerUp, available: false, error: 'timeout' },
    desired: { loaded: false, file: 'f', error: 'invalid desired state at f:3:1' },
  });
  assert.equal(health.status, 'degraded');
  assert.deepEqual(health.reasons, ['docker API unreachable (timeout)', 'desired state not loaded (invalid desired state at f:3:1)']);
});

test('the signing public key is shown when configured', () => {
  const health = buildHealth({ ...base, signingKey: { publicKey: '0xabc', ss58: '5abc' } });
  assert.equal(health.signing_public_key, '0xabc');
  assert.equal(health.signing_ss58, '5abc');
});

test('GET /health answers 200 even when degraded (the master is serving)', async () => {
  const master = await startTestMaster({ health: { docker: { ...dockerUp, available: false, error: 'ENOENT' } } });
  try {
    const response = await send(master.port, '/health');
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body) as HealthDocument;
    assert.equal(body.status, 'degraded');
    assert.deepEqual(body.reasons, ['docker API unreachable (ENOENT)']);
    assert.equal(body.version, '9.8.7');
  } finally {
    await master.close();
  }
});
