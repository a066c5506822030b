import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openStateDir } from '../../state/index.ts';
import type { MasterConfig } from '../config.ts';
import { silentLog } from '../log.ts';
import { startMaster, type RunningMaster } from '../master.ts';
import { ADMIN_TOKEN, DESIRED_YAML, send } from './support.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'base-master-admin-'));
  await writeFile(path.join(dir, 'subnet.yaml'), DESIRED_YAML);
  await writeFile(path.join(dir, 'admin.token'), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
});
after(() => rm(dir, { recursive: true, force: true }));

function config(stateDir: string | null): MasterConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    desiredFile: path.join(dir, 'subnet.yaml'),
    upstreams: new Map(),
    adminTokenFile: path.join(dir, 'admin.token'),
    signingKeyFile: null,
    stateDir,
    dockerHost: `unix://${path.join(dir, 'no-docker.sock')}`,
    storeUrl: null,
    probeIntervalMs: 60_000,
    probeTimeoutMs: 200,
    reconcileIntervalMs: 0,
    shutdownGraceMs: 1_000,
  };
}

async function withMaster(stateDir: string | null, body: (master: RunningMaster) => Promise<void>): Promise<void> {
  const master = await startMaster({ config: config(stateDir), version: '0.0.0-test', log: silentLog });
  try {
    await body(master);
  } finally {
    await master.stop();
  }
}

const admin = { 'x-admin-token': ADMIN_TOKEN };

test('without the reconciler state folder (none, or one without a minted key) plan and reconcile are refused, never run', async () => {
  const empty = path.join(dir, 'empty-state');
  for (const stateDir of [null, empty]) {
    await withMaster(stateDir, async (master) => {
      const port = master.address.port;
      const reconcile = await send(port, '/admin/reconcile', { method: 'POST', headers: admin });
      assert.equal(reconcile.status, 503, String(stateDir));
      assert.equal((await send(port, '/admin/plan', { headers: admin })).status, 503);
      const health = JSON.parse((await send(port, '/health')).body) as { status: string; reasons: string[] };
      assert.equal(health.status, 'degraded');
      assert.deepEqual(health.reasons, ['docker API unreachable (ENOENT)']);
    });
  }
});

test('with the state folder a reconcile is accepted (202) and its failure is counted in metrics', async () => {
  const stateDir = path.join(dir, 'state');
  await openStateDir(stateDir).ensureMasterSigningKey();
  await withMaster(stateDir, async (master) => {
    const port = master.address.port;
    const first = await send(port, '/admin/reconcile', { method: 'POST', headers: admin });
    assert.equal(first.status, 202);
    let failures = 0;
    for (let i = 0; i < 100 && failures === 0; i++) {
      const metrics = (await send(port, '/metrics')).body;
      failures = Number(/^base_master_reconcile_failures_total (\d+)/m.exec(metrics)?.[1] ?? 0);
      if (failures === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(failures, 1, 'the pass against an unreachable Docker API failed and was counted');
    const metrics = (await send(port, '/metrics')).body;
    assert.match(metrics, /^base_master_reconcile_runs_total\{result="error"\} 1$/m);
    assert.match(metrics, /^base_master_reconcile_duration_seconds_count 1$/m);
  });
});
