/** A real epoch loop sealing into a file-backed SQLite store, served by the real master routes, for the audit tests. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import Database from 'better-sqlite3';
import { u8aToHex } from '@polkadot/util';
import { storeWeightsReader } from '../../master/store-weights-reader.ts';
import { startTestMaster, type TestMaster } from '../../master/test/support.ts';
import { openStore, type ControlPlaneStore } from '../../store/index.ts';
import { EPOCH, farFuture, twoChallengeSubnet, type Subnet } from '../../epoch/test/support.ts';
import { normalizeRawWeights, snapshotDigest } from '../../weights/snapshot-digest.ts';
import { vectorFromEpochInputs, type EpochInputs } from '../../weights/epoch-inputs.ts';
import { sealVector, type SealedVector, type UnsealedVector } from '../../weights/index.ts';
import { runVerify, type VerifySummary } from '../run-verify.ts';

export { EPOCH };

export interface AuditBed {
  subnet: Subnet;
  store: ControlPlaneStore;
  master: TestMaster;
  /** Seals these epochs in order through the real loop. */
  seal(...epochs: number[]): Promise<void>;
  verify(options?: { from?: number; to?: number }): Promise<VerifySummary>;
  /** Rewrites a stored JSON document in place (as an attacker with database access would). */
  tamper(table: 'epoch_inputs' | 'sealed_vectors', epoch: number, edit: (document: any) => void): void;
  /**
   * Rewrites an epoch as its master could: the edited document is sealed again with the master's key (and for
   * `epoch_inputs`, the vector is recomputed from the edited inputs and sealed again), so the epoch is self-consistent.
   */
  reseal(table: 'epoch_inputs' | 'sealed_vectors', epoch: number, edit: (document: any) => void): Promise<void>;
  /** A master restart: the store, the loop and the master are closed and opened again on the same store file. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function auditBed(options: { publishBeta?: boolean } = {}): Promise<AuditBed> {
  const dir = mkdtempSync(join(tmpdir(), 'base-audit-'));
  const file = join(dir, 'store.sqlite3');
  const subnet = await twoChallengeSubnet();
  if (options.publishBeta === false) subnet.config.challenges[1]!.publishRawScores = false;
  let store = await openStore({ url: file, environment: 'development' });
  let reader = storeWeightsReader(() => store);
  let master = await startTestMaster({ weights: reader });
  let loop = subnet.loop(store);
  return {
    subnet,
    get store() {
      return store;
    },
    get master() {
      return master;
    },
    async seal(...epochs) {
      for (const epoch of epochs) {
        const result = await loop.runEpoch(epoch, { retryUntil: farFuture() });
        if (result.status !== 'sealed') throw new Error(`epoch ${epoch}: ${JSON.stringify(result)}`);
      }
      await reader.refresh();
    },
    async verify(range = {}) {
      await reader.refresh();
      return runVerify({ master: master.url, publicKey: u8aToHex(subnet.keypair.publicKey), ...range });
    },
    tamper(table, epoch, edit) {
      const db = new Database(file);
      try {
        const row = db.prepare(`SELECT document FROM ${table} WHERE epoch = ?`).get(epoch) as { document: string };
        const document = JSON.parse(row.document);
        edit(document);
        db.prepare(`UPDATE ${table} SET document = ? WHERE epoch = ?`).run(JSON.stringify(document), epoch);
      } finally {
        db.close();
      }
    },
    async reseal(table, epoch, edit) {
      const db = new Database(file);
      try {
        const read = (from: string) => JSON.parse((db.prepare(`SELECT document FROM ${from} WHERE epoch = ?`).get(epoch) as { document: string }).document);
        const old = read('sealed_vectors') as SealedVector;
        let unsealed: UnsealedVector;
        if (table === 'epoch_inputs') {
          const inputs = read('epoch_inputs') as EpochInputs;
          edit(inputs);
          for (const source of inputs.challenge_results) {
            if (source.weights) source.snapshot_digest = snapshotDigest(normalizeRawWeights(source.weights as Record<string, number | null>));
          }
          db.prepare('UPDATE epoch_inputs SET document = ? WHERE epoch = ?').run(JSON.stringify(inputs), epoch);
          const computedAt = new Date(old.computed_at);
          unsealed = vectorFromEpochInputs(inputs, {
            netuid: old.netuid,
            chainEndpoint: old.chain_endpoint,
            desiredStateRevision: old.desired_state_revision,
            computedAt,
            expiresAfterSeconds: (Date.parse(old.expires_at) - computedAt.getTime()) / 1000,
            metagraphUpdatedAt: new Date(old.metagraph_updated_at),
            previous: typeof old.previous_epoch === 'number' && old.previous_digest ? { epoch: old.previous_epoch, digest: old.previous_digest } : null,
          });
        } else {
          const { digest: _d, signature: _s, signer: _signer, ...rest } = old;
          unsealed = rest as UnsealedVector;
          edit(unsealed);
        }
        const sealed = await sealVector(unsealed, subnet.keypair);
        db.prepare('UPDATE sealed_vectors SET document = ?, digest = ? WHERE epoch = ?').run(JSON.stringify(sealed), sealed.digest, epoch);
      } finally {
        db.close();
      }
    },
    async restart() {
      await master.close();
      await store.close();
      store = await openStore({ url: file, environment: 'development' });
      reader = storeWeightsReader(() => store);
      master = await startTestMaster({ weights: reader });
      loop = subnet.loop(store);
      await loop.loadLatest();
    },
    async close() {
      await master.close();
      await store.close();
      await subnet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Runs the CLI without blocking this process's event loop (the master under test answers from it). */
export async function base(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/base.mjs'), ...args], { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
