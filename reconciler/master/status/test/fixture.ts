/**
 * Status-page inputs for tests and the benchmark: `count` active challenges, a latest vector whose sources are
 * fresh, carried or failed as asked, and `epochs` of history. Built through the real registry and health builders.
 */
import { stringify } from 'yaml';
import { parseDesiredState, requireValid } from '../../../desired-state/index.ts';
import { buildHealth } from '../../health.ts';
import { buildRegistry } from '../../registry.ts';
import type { WeightsVector } from '../../weights-reader.ts';
import type { ProbeResult } from '../../probes.ts';
import { historyEntry } from '../history.ts';
import type { StatusInputs } from '../model.ts';

export const NOW = new Date('2026-03-01T12:00:00Z');
export const BURN_UID = 0;

export type Outcome = { kind: 'fresh' } | { kind: 'carried'; fromEpoch: number; reason: string } | { kind: 'failed'; reason: string };

export interface FixtureOptions {
  count: number;
  epochs: number;
  /** Outcome of challenge `i` in the latest vector (default fresh). */
  outcome?: (i: number) => Outcome;
  /** Probe of challenge `i` (default ok, 20 s ago). */
  probe?: (i: number) => ProbeResult | undefined;
  latestEpoch?: number;
}

export const slugOf = (i: number): string => `challenge-${String(i).padStart(2, '0')}`;

export function desiredYaml(count: number): string {
  return stringify({
    version: 1,
    subnet: { name: 'fixture-net', netuid: 42, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 360, burn_uid: BURN_UID },
    master: { image: '127.0.0.1:5000/base/master:1.0.0' },
    networks: [{ name: 'fixture-challenges', encrypted: true }],
    challenges: Array.from({ length: count }, (_, i) => ({
      slug: slugOf(i),
      name: `Challenge ${i}`,
      image: `127.0.0.1:5000/c${i}:1.0.0`,
      status: 'active',
      emission_percent: Math.floor(96 / count),
      env: { MODE: `env-value-${i}` },
    })),
  });
}

export function fixtureVector(epoch: number, count: number, outcome: (i: number) => Outcome): WeightsVector {
  const uids = [BURN_UID, ...Array.from({ length: 64 }, (_, i) => i + 1)];
  const raw = uids.map((uid) => (uid === BURN_UID ? 16 : (uid % 7) + 1));
  const total = raw.reduce((a, b) => a + b, 0);
  return {
    epoch,
    uids,
    weights: raw.map((w) => w / total),
    digest: `${epoch.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
    signature: `0x${'cd'.repeat(64)}`,
    signer: { public_key: `0x${'11'.repeat(32)}`, ss58: '5FixtureSignerSs58' },
    computed_at: new Date(NOW.getTime() - 10_000).toISOString(),
    expires_at: new Date(NOW.getTime() + 710_000).toISOString(),
    source_challenges: Array.from({ length: count }, (_, i) => {
      const o = outcome(i);
      return {
        slug: slugOf(i),
        emission_percent: 3,
        ok: o.kind === 'fresh',
        error: o.kind === 'fresh' ? null : o.reason,
        outcome: o.kind,
        carried_from_epoch: o.kind === 'carried' ? o.fromEpoch : null,
        reason: o.kind === 'fresh' ? null : o.reason,
        snapshot_digest: o.kind === 'failed' ? null : 'ee'.repeat(32),
        hotkey_count: 10 + i,
        unknown_hotkey_count: 0,
      };
    }),
  } as unknown as WeightsVector;
}

export function okProbe(ageSeconds = 20): ProbeResult {
  return { ok: true, checkedAt: new Date(NOW.getTime() - ageSeconds * 1000).toISOString(), healthStatus: 200, versionStatus: 200, version: '1.0.0', error: null, durationMs: 3 };
}

export function failingProbe(error: string, ageSeconds = 5): ProbeResult {
  return { ok: false, checkedAt: new Date(NOW.getTime() - ageSeconds * 1000).toISOString(), healthStatus: 0, versionStatus: 0, version: null, error, durationMs: 2000 };
}

export function statusInputs(options: FixtureOptions): StatusInputs {
  const { count, epochs } = options;
  const latestEpoch = options.latestEpoch ?? 1000;
  const outcome = options.outcome ?? (() => ({ kind: 'fresh' }) as const);
  const probe = options.probe ?? (() => okProbe());
  const probes = new Map<string, ProbeResult>();
  for (let i = 0; i < count; i++) {
    const p = probe(i);
    if (p) probes.set(slugOf(i), p);
  }
  const desired = requireValid(parseDesiredState(desiredYaml(count), 'fixture.yaml'));
  const registry = buildRegistry({
    desired,
    revision: 'rev-0123abcd',
    appliedAt: '2026-03-01T11:00:00.000Z',
    signingKey: { publicKey: `0x${'11'.repeat(32)}`, ss58: '5FixtureSignerSs58' },
    tasks: new Map(Array.from({ length: count }, (_, i) => [slugOf(i), { running: 1, desired: 1 }])),
    probes,
    now: NOW,
  });
  const health = buildHealth({
    version: '1.2.3',
    startedAt: new Date(NOW.getTime() - 3_600_000),
    now: NOW,
    docker: null,
    store: null,
    weights: null,
    desired: { loaded: true, file: 'fixture.yaml', error: null },
    signingKey: null,
    challenges: { probed: probes.size, healthy: [...probes.values()].filter((p) => p.ok).length },
  });
  const latest = epochs === 0 ? null : fixtureVector(latestEpoch, count, outcome);
  const history = Array.from({ length: epochs }, (_, k) => {
    const epoch = latestEpoch - k;
    return historyEntry(k === 0 ? latest! : fixtureVector(epoch, count, (i) => (epoch % 5 === 0 && i === 0 ? { kind: 'failed', reason: 'timeout' } : { kind: 'fresh' })), BURN_UID);
  });
  return { registry, health, latest, history, now: NOW };
}
