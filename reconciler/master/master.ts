/**
 * Assembles a running master from its config: desired state, upstreams, prober, Docker status, store, weights
 * reader, admin actions, metrics, and the HTTP server. `base serve` is a thin wrapper around `startMaster`.
 */
import type { AddressInfo } from 'node:net';
import { u8aToHex } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import type Docker from 'dockerode';
import { dockerClient } from '../live/index.ts';
import { driftCheck, reconcileOnce } from '../loop/index.ts';
import type { Plan } from '../plan/model.ts';
import { openStateDir } from '../state/index.ts';
import { openStore, StoreConfigError, trackAvailability, type AvailableStore, type StoreAvailability } from '../store/index.ts';
import { loadSigningKey, SIGNER_SS58_PREFIX } from '../weights/index.ts';
import { UserError } from '../errors/user-error.ts';
import { adminAuth } from './admin-auth.ts';
import { readAdminToken, type MasterConfig } from './config.ts';
import { DesiredSource } from './desired-source.ts';
import { buildHealth } from './health.ts';
import { bufferedStdout, jsonLog, type MasterLog } from './log.ts';
import { MasterMetrics } from './metrics.ts';
import { ChallengeProber } from './probes.ts';
import { buildRegistry } from './registry.ts';
import { createMasterServer, type MasterServer } from './server.ts';
import { storeWeightsReader } from './store-weights-reader.ts';
import { appliedRevisionOf, dockerSwarmStatus, type SwarmStatusSource } from './swarm-status.ts';
import { followOverlayUpstreams, followUpstreamTargets, targetResolver } from './upstreams.ts';
import type { SupervisedWeightsLoop } from './serve-weights-loop.ts';
import type { WeightsReader, WeightsVector } from './weights-reader.ts';

export interface StartMasterOptions {
  config: MasterConfig;
  version: string;
  log?: MasterLog;
  /** The weights epoch loop's reader; default: a reader over the control-plane store. */
  weights?: WeightsReader;
  /**
   * `base serve`'s supervised loop (it may still be retrying its start): its reader once it runs, the store reader
   * until then; its state is on /health.
   */
  weightsLoop?: Pick<SupervisedWeightsLoop, 'reader' | 'status'>;
}

export interface RunningMaster {
  address: AddressInfo;
  server: MasterServer;
  stop(): Promise<void>;
}

interface SigningKeyInfo {
  publicKey: string;
  ss58: string;
}

export async function startMaster(options: StartMasterOptions): Promise<RunningMaster> {
  const { config, version } = options;
  const stdout = bufferedStdout();
  const log = options.log ?? jsonLog(stdout.write);
  const startedAt = new Date();
  const auth = adminAuth(await readAdminToken(config.adminTokenFile));
  const signingKey = await readSigningKey(config.signingKeyFile, log);

  const desired = new DesiredSource(config.desiredFile);
  await desired.reload();
  if (desired.current().state === null) log.event('desired-state-unavailable', { error: desired.current().error });

  const docker: Docker | null = config.dockerHost === null ? null : dockerClient(config.dockerHost);
  const swarm: SwarmStatusSource | null = docker === null ? null : dockerSwarmStatus(docker);
  const store = await storeHandle(config, desired, log);
  const storeReader = storeWeightsReader(() => store.current());
  const weightsLoop = options.weightsLoop ?? null;
  const weights = options.weights ?? (weightsLoop ? followLoopReader(weightsLoop, storeReader) : storeReader);

  const upstreams: () => ReadonlyMap<string, string> =
    config.upstreams.size > 0 ? () => config.upstreams : followOverlayUpstreams(() => desired.current().state);
  const metrics = new MasterMetrics({ processMetrics: true });
  const prober = new ChallengeProber({
    targets: { targets: upstreams },
    intervalMs: config.probeIntervalMs,
    timeoutMs: config.probeTimeoutMs,
    onResult: (slug, result) => metrics.challengeHealth.set({ slug }, result.ok ? 1 : 0),
  });

  // Admin actions: plan and reconcile need the Docker API and the state folder.
  let lastPlan: Plan | null = null;
  let reconciling = false;
  // Only with the reconciler's own state folder (it holds the minted tokens and signing key seed): against an empty
  // folder a reconcile would mint new tokens and roll every challenge.
  const stateDir = docker !== null && config.stateDir !== null ? openStateDir(config.stateDir) : null;
  const stateReady = stateDir !== null && (await stateDir.masterSigningKeySecretName().catch(() => null)) !== null;
  if (docker !== null && !stateReady) log.event('admin-reconcile-disabled', { reason: 'no reconciler state folder with a minted signing key (--state-dir)' });
  const reconcileOptions = docker !== null && stateDir !== null && stateReady ? { file: config.desiredFile, docker, state: stateDir } : null;
  const runReconcile = (): { accepted: boolean; detail: string } => {
    if (reconcileOptions === null) return { accepted: false, detail: 'Reconciling needs the Docker API and the reconciler state folder' };
    if (reconciling) return { accepted: false, detail: 'A reconcile pass is already running' };
    reconciling = true;
    const timer = metrics.reconcileDuration.startTimer();
    void (async () => {
      try {
        const result = await reconcileOnce({ ...reconcileOptions, log: (line) => log.event('reconcile', { line: line.slice(0, 2000) }) });
        const failed = result.kind === 'invalid' || (result.kind === 'applied' && result.outcome.exitCode !== 0);
        metrics.reconcileRuns.inc({ result: result.kind });
        if (failed) metrics.reconcileFailures.inc();
        log.event('reconcile-pass', { result: result.kind, failed });
        if (result.kind !== 'invalid') {
          const loaded = desired.current().state;
          if (loaded) lastPlan = (await driftCheck(loaded, reconcileOptions)).plan;
        }
      } catch (error) {
        metrics.reconcileRuns.inc({ result: 'error' });
        metrics.reconcileFailures.inc();
        log.event('reconcile-pass', { result: 'error', error: error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'error' });
      } finally {
        timer();
        reconciling = false;
      }
    })();
    return { accepted: true, detail: 'Reconcile pass started' };
  };

  const server = createMasterServer({
    version,
    resolver: targetResolver(followUpstreamTargets(upstreams, () => desired.current().state)),
    metrics,
    log,
    weights,
    ...(config.forwardedProto ? { proxy: { forwardedProto: config.forwardedProto } } : {}),
    // Before the first seal, retry after about one epoch (bounded).
    weightsRetryAfterSeconds: Math.min(Math.max(desired.current().state?.subnet.epoch_interval_seconds ?? 30, 5), 600),
    ...(store.configured
      ? {
          weightsHistory: async (limit: number, before?: number) => {
            const current = store.current();
            if (current === null) throw new Error('store unavailable');
            return (await current.listVectors<WeightsVector>(limit, before)).map((v) => v.document);
          },
        }
      : {}),
    registry: () =>
      buildRegistry({
        desired: desired.current().state,
        ...(swarm ? appliedRevisionOf(swarm.snapshot().tasks, (desired.current().state?.challenges ?? []).map((c) => c.slug)) : { revision: null }),
        signingKey,
        tasks: swarm && swarm.snapshot().available ? swarm.snapshot().tasks : null,
        probes: prober.all(),
        now: new Date(),
      }),
    health: () => {
      const probes = [...prober.all().values()];
      return buildHealth({
        version,
        startedAt,
        now: new Date(),
        docker: swarm?.snapshot() ?? null,
        store: store.availability(),
        weights: weights.status(),
        weightsLoop: weightsLoop?.status() ?? null,
        desired: { loaded: desired.current().state !== null, file: config.desiredFile, error: desired.current().error },
        signingKey,
        challenges: { probed: probes.length, healthy: probes.filter((p) => p.ok).length },
      });
    },
    admin: {
      auth,
      lastPlan: () => lastPlan,
      applies: store.configured ? async (limit) => {
        const current = store.current();
        if (current === null) throw new Error('store unavailable');
        return current.listApplies(limit);
      } : undefined,
      plan: reconcileOptions
        ? async () => {
            const state = desired.current().state;
            if (state === null) throw new Error(desired.current().error ?? 'desired state not loaded');
            lastPlan = (await driftCheck(state, reconcileOptions)).plan;
            return lastPlan;
          }
        : undefined,
      reconcile: reconcileOptions ? runReconcile : undefined,
    },
  });

  const refreshGauges = async (): Promise<void> => {
    await desired.reload().catch(() => false);
    if (swarm) {
      const snapshot = await swarm.refresh();
      metrics.dockerAvailable.set(snapshot.available ? 1 : 0);
      metrics.challengeRunningTasks.reset();
      for (const [slug, tasks] of snapshot.tasks) metrics.challengeRunningTasks.set({ slug }, tasks.running);
    }
    await store.refresh();
    if ('refresh' in weights && typeof weights.refresh === 'function') await (weights.refresh as () => Promise<void>)();
    const availability = store.availability();
    if (availability) {
      metrics.storeAvailable.set(availability.available ? 1 : 0);
      metrics.storeOutages.set(availability.outages);
      metrics.storeOutageSeconds.set(availability.unavailableSince ? (Date.now() - Date.parse(availability.unavailableSince)) / 1000 : 0);
    }
    const sealed = weights.status().lastSealedEpoch;
    if (sealed !== null) metrics.lastSealedEpoch.set(sealed);
  };
  await refreshGauges();
  let refreshing = false;
  const refreshTimer = setInterval(() => {
    if (refreshing) return; // a slow round (store reconnecting) is never overlapped
    refreshing = true;
    void refreshGauges()
      .catch((error: unknown) => log.event('refresh-failed', { error: error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'error' }))
      .finally(() => (refreshing = false));
  }, config.probeIntervalMs);
  refreshTimer.unref();
  // Until the desired state is first loaded (an apply writes the applied copy just after the master's task starts),
  // look for it every second instead of every probe interval, so /health does not report it missing for that long.
  const firstLoadTimer = setInterval(() => {
    if (desired.current().state !== null) clearInterval(firstLoadTimer);
    else void desired.reload().catch(() => false);
  }, 1000);
  firstLoadTimer.unref();
  const reconcileTimer = config.reconcileIntervalMs > 0 ? setInterval(() => void runReconcile(), config.reconcileIntervalMs) : null;
  reconcileTimer?.unref();
  prober.start();

  const address = await server.listen(config.port, config.host);
  log.event('listening', {
    host: address.address,
    port: address.port,
    upstreams: config.upstreams.size > 0 ? 'static' : 'overlay',
    docker: docker !== null,
    store: store.configured,
    admin: auth.configured,
  });

  return {
    address,
    server,
    async stop() {
      clearInterval(refreshTimer);
      clearInterval(firstLoadTimer);
      if (reconcileTimer) clearInterval(reconcileTimer);
      const result = await server.shutdown(config.shutdownGraceMs);
      await prober.stop();
      await store.close();
      log.event('stopped', { drained: result.drained, abandoned: result.abandoned });
      stdout.flush();
    },
  };
}

async function readSigningKey(file: string | null, log: MasterLog): Promise<SigningKeyInfo | null> {
  if (file === null) return null;
  try {
    const keypair = await loadSigningKey(file);
    return { publicKey: u8aToHex(keypair.publicKey), ss58: encodeAddress(keypair.publicKey, SIGNER_SS58_PREFIX) };
  } catch (error) {
    log.event('signing-key-unavailable', { error: error instanceof Error ? error.message : 'error' });
    return null;
  }
}

interface StoreHandle {
  configured: boolean;
  current(): AvailableStore | null;
  availability(): StoreAvailability | null;
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store, opened at start when configured (BASE_DATABASE_URL, or the development SQLite in the state folder).
 * A store that cannot be reached at start does not stop the master: opening is retried on every refresh.
 */
async function storeHandle(config: MasterConfig, desired: DesiredSource, log: MasterLog): Promise<StoreHandle> {
  const environment = desired.current().state?.subnet.environment ?? 'development';
  const configured = config.storeUrl !== null || (environment === 'development' && config.stateDir !== null);
  let store: AvailableStore | null = null;
  let openError: string | null = null;
  let openedAt: string | null = null;
  const unavailableSince = new Date().toISOString();
  const open = async (): Promise<void> => {
    try {
      store = trackAvailability(
        await openStore({ url: config.storeUrl ?? undefined, environment, stateDir: config.stateDir ?? undefined }),
      );
      openedAt = new Date().toISOString();
      openError = null;
      log.event('store-open', { backend: store.backend, location: store.location });
    } catch (error) {
      if (error instanceof StoreConfigError) throw new UserError(error.message);
      openError = error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : 'error';
      log.event('store-unavailable', { error: openError });
    }
  };
  if (configured) await open();
  return {
    configured,
    current: () => store,
    availability() {
      if (!configured) return null;
      if (store !== null) return (store as AvailableStore).availability();
      return { available: false, unavailableSince, lastOkAt: openedAt, lastError: openError, outages: 1 };
    },
    async refresh() {
      if (!configured) return;
      if (store === null) return open();
      await (store as AvailableStore).ping().catch(() => undefined);
    },
    async close() {
      await (store as AvailableStore | null)?.close().catch(() => undefined);
    },
  };
}

/** The loop's reader once it runs (it keeps the newest vector in memory), the store reader before. */
function followLoopReader(loop: Pick<SupervisedWeightsLoop, 'reader'>, fallback: WeightsReader & { refresh?: () => Promise<void> }): WeightsReader & { refresh(): Promise<void> } {
  const current = (): WeightsReader => loop.reader() ?? fallback;
  return {
    latest: () => current().latest(),
    atEpoch: (epoch) => current().atEpoch(epoch),
    inputsAt: (epoch) => current().inputsAt(epoch),
    status: () => current().status(),
    async refresh() {
      if (loop.reader() === null) await fallback.refresh?.();
    },
  };
}
