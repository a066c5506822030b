/**
 * A weights loop whose start fails (store unreachable) is retried with backoff while the master serves; /health is
 * degraded with a password-free reason meanwhile, and the loop runs after the store becomes reachable (and the master
 * then serves its vectors and their published inputs through the loop's reader).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { stringify } from 'yaml';
import { closedPort } from '../../store/test/tcp-relay.ts';
import { randomHotkey, startChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import type { MasterConfig } from '../config.ts';
import { DesiredSource } from '../desired-source.ts';
import { jsonLog, silentLog } from '../log.ts';
import { startMaster } from '../master.ts';
import { startServeWeightsLoop, startWeightsLoop, superviseWeightsLoop, type ServeWeightsLoop } from '../serve-weights-loop.ts';
import { send } from './support.ts';

const PASSWORD = 'loop-retry-pw-5d1c9e';

function capture(): { log: ReturnType<typeof jsonLog>; lines: Array<Record<string, unknown>>; raw: () => string } {
  let raw = '';
  const lines: Array<Record<string, unknown>> = [];
  const log = jsonLog((line) => {
    raw += line;
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { log, lines, raw: () => raw };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('store unreachable at start: the master serves, /health says why, the start is retried and the loop then seals', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-loop-retry-'));
  const hotkey = randomHotkey();
  const token = randomBytes(16).toString('hex');
  const challenge = await startChallengeServer((req, res) => {
    if (req.url !== '/internal/v1/get_weights') return void res.end('ok');
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ challenge_slug: 'alpha', weights: { [hotkey]: 1 } }));
  });
  const deadPort = await closedPort();
  const deadUrl = `postgres://base:${PASSWORD}@127.0.0.1:${deadPort}/control`;
  let releaseSecond: () => void = () => undefined;
  const secondMayStart = new Promise<void>((resolve) => (releaseSecond = resolve));
  const loopLog = capture();
  const masterLog = capture();
  try {
    const tokensDir = path.join(dir, 'tokens');
    await mkdir(tokensDir, { mode: 0o700 });
    await writeFile(path.join(tokensDir, 'alpha'), `${token}\n`, { mode: 0o400 });
    const keyFile = path.join(dir, 'signing.seed');
    await writeFile(keyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
    const desiredFile = path.join(dir, 'subnet.yaml');
    await writeFile(
      desiredFile,
      stringify({
        version: 1,
        subnet: { name: 'retry', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
        master: { image: '127.0.0.1:5000/base/master:latest' },
        networks: [{ name: 'retry-net', encrypted: true }],
        challenges: [{ slug: 'alpha', name: 'Alpha', image: '127.0.0.1:5000/c:1.0.0', status: 'active', emission_percent: 50 }],
        development_metagraph: { [hotkey]: 1 },
      }),
    );
    const stateDir = path.join(dir, 'state');
    await mkdir(stateDir, { mode: 0o700 });
    const desired = new DesiredSource(desiredFile);
    await desired.reload();
    const attempts: number[] = [];
    const supervised = superviseWeightsLoop({
      log: loopLog.log,
      initialDelayMs: 30,
      start: async (attempt): Promise<ServeWeightsLoop | { skipped: string }> => {
        attempts.push(attempt);
        if (attempt > 1) await secondMayStart;
        // The first attempt really dials a closed PostgreSQL port; the next ones reach the development SQLite store.
        return startWeightsLoop({
          desired,
          tokensDir,
          signingKeyFile: keyFile,
          storeUrl: attempt === 1 ? deadUrl : null,
          stateDir,
          upstreams: new Map([['alpha', challenge.origin]]),
        });
      },
    });
    const config: MasterConfig = {
      port: 0,
      host: '127.0.0.1',
      desiredFile,
      upstreams: new Map([['alpha', challenge.origin]]),
      adminTokenFile: null,
      signingKeyFile: keyFile,
      stateDir,
      dockerHost: null,
      storeUrl: null,
      probeIntervalMs: 200,
      probeTimeoutMs: 200,
      reconcileIntervalMs: 0,
      shutdownGraceMs: 1_000,
    };
    const master = await startMaster({ config, version: '0.0.0-test', log: masterLog.log, weightsLoop: supervised });
    const port = master.address.port;
    try {
      // The first attempt failed and the second is held: the master serves and /health is degraded with the reason.
      await until('the second start attempt', () => attempts.length >= 2);
      const health = await send(port, '/health');
      assert.equal(health.status, 200);
      const body = JSON.parse(health.body) as { status: string; reasons: string[]; weights_loop: Record<string, unknown> };
      assert.equal(body.status, 'degraded');
      assert.ok(body.reasons.includes('weights loop not started (store-unavailable ECONNREFUSED; retrying)'), body.reasons.join(' | '));
      assert.equal(body.weights_loop.state, 'retrying');
      assert.equal(body.weights_loop.code, 'store-unavailable');
      assert.equal(body.weights_loop.attempts, 2);
      assert.ok(!health.body.includes(PASSWORD) && !health.body.includes(String(deadPort)), 'no URL, password or address in /health');
      assert.equal((await send(port, '/v1/weights/latest')).status, 503, 'nothing sealed yet');
      const failed = loopLog.lines.filter((l) => l.msg === 'weights-loop-start-failed');
      assert.equal(failed.length, 1);
      const { time: _time, error, ...fields } = failed[0]!;
      assert.deepEqual(fields, { msg: 'weights-loop-start-failed', code: 'store-unavailable', detail: 'ECONNREFUSED', attempt: 1, retry_in_ms: 30 });
      assert.match(String(error), /PostgreSQL at <url> is unavailable/, 'the log line says what failed, with the URL replaced');

      releaseSecond();
      await supervised.settled();
      assert.equal(supervised.status().state, 'running');
      let latest = { status: 0, body: '' };
      await until('a sealed vector', async () => (latest = await send(port, '/v1/weights/latest')).status === 200);
      assert.deepEqual((JSON.parse(latest.body) as { uids: number[] }).uids.includes(1), true);
      // The loop's reader also serves the sealed epoch's published inputs (GET /v1/weights/{epoch}/inputs).
      const sealedEpoch = (JSON.parse(latest.body) as { epoch: number }).epoch;
      const inputs = await send(port, `/v1/weights/${sealedEpoch}/inputs`);
      assert.equal(inputs.status, 200, inputs.body);
      assert.equal((JSON.parse(inputs.body) as { epoch: number }).epoch, sealedEpoch);
      const after = JSON.parse((await send(port, '/health')).body) as { reasons: string[]; weights_loop: Record<string, unknown> };
      assert.ok(!after.reasons.some((r) => r.startsWith('weights loop')), after.reasons.join(' | '));
      assert.equal(after.weights_loop.state, 'running');
      assert.ok(loopLog.lines.some((l) => l.msg === 'weights-loop-started' && l.attempt === 2));
    } finally {
      await master.stop();
      await supervised.stop();
    }
    for (const raw of [loopLog.raw(), masterLog.raw()]) assert.ok(!raw.includes(PASSWORD) && !raw.includes(token), 'neither the password nor a token is logged');
  } finally {
    releaseSecond();
    await challenge.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('start retries back off exponentially up to the cap, and stop() ends them', async () => {
  const { log, lines } = capture();
  let calls = 0;
  const supervised = superviseWeightsLoop({
    log,
    initialDelayMs: 10,
    maxDelayMs: 40,
    start: async () => {
      calls++;
      const error = new Error('connect ECONNREFUSED 127.0.0.1:1') as NodeJS.ErrnoException;
      error.code = 'ECONNREFUSED';
      throw error;
    },
  });
  await until('five failures', () => calls >= 5);
  await supervised.stop();
  const stoppedAt = calls;
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(calls, stoppedAt, 'no attempt after stop()');
  const delays = lines.filter((l) => l.msg === 'weights-loop-start-failed').map((l) => l.retry_in_ms);
  assert.deepEqual(delays.slice(0, 5), [10, 20, 40, 40, 40]);
  assert.ok(lines.every((l) => l.code === 'start-failed' && l.detail === 'ECONNREFUSED'));
  assert.equal(supervised.status().state, 'stopped');
  assert.equal(supervised.reader(), null);
});

test('a skipped start (no store configured in production) is final and reported, degraded only where required', async () => {
  for (const degraded of [true, false]) {
    let calls = 0;
    const supervised = superviseWeightsLoop({
      log: silentLog,
      initialDelayMs: 5,
      start: async () => {
        calls++;
        return { skipped: 'no store configured', degraded };
      },
    });
    await supervised.settled();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(calls, 1);
    assert.deepEqual(supervised.status(), { state: 'disabled', code: 'skipped', detail: 'no store configured', attempts: 1, nextAttemptAt: null, degraded });
    await supervised.stop();
  }
});

test('base serve\'s loop retries while the desired state is invalid and starts once the file is fixed', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-loop-desired-'));
  const { log, lines } = capture();
  try {
    const tokensDir = path.join(dir, 'tokens');
    await mkdir(tokensDir, { mode: 0o700 });
    const keyFile = path.join(dir, 'signing.seed');
    await writeFile(keyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
    const stateDir = path.join(dir, 'state');
    await mkdir(stateDir, { mode: 0o700 });
    const desiredFile = path.join(dir, 'subnet.yaml');
    await writeFile(desiredFile, 'version: 1\n');
    const config: MasterConfig = {
      port: 0, host: '127.0.0.1', desiredFile, upstreams: new Map(), adminTokenFile: null, signingKeyFile: keyFile, stateDir,
      dockerHost: null, storeUrl: null, probeIntervalMs: 60_000, probeTimeoutMs: 200, reconcileIntervalMs: 0, shutdownGraceMs: 1_000,
    };
    const supervised = startServeWeightsLoop(config, tokensDir, { log, initialDelayMs: 20, maxDelayMs: 50 });
    assert.ok(supervised);
    // The retry timer is unref'd (in base serve the HTTP listener keeps the process alive); here nothing else
    // would, and awaiting settled() on an empty event loop would end the test early.
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      await until('a failed start', () => supervised.status().state === 'retrying');
      assert.equal(supervised.status().code, 'desired-state');
      assert.equal(supervised.reader(), null);
      await writeFile(
        desiredFile,
        stringify({
          version: 1,
          subnet: { name: 'fixed', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
          master: { image: '127.0.0.1:5000/base/master:latest' },
          networks: [{ name: 'fixed-net', encrypted: true }],
          challenges: [],
          development_metagraph: { [randomHotkey()]: 1 },
        }),
      );
      await supervised.settled();
      assert.equal(supervised.status().state, 'running');
      assert.notEqual(supervised.reader(), null);
      assert.ok(lines.some((l) => l.msg === 'weights-loop-start-failed' && l.code === 'desired-state'));
    } finally {
      clearInterval(keepAlive);
      await supervised.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
