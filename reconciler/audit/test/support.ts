/** A real epoch loop sealing into a file-backed SQLite store, served by the real master routes, for the audit tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { u8aToHex } from '@polkadot/util';
import { storeWeightsReader } from '../../master/store-weights-reader.ts';
import { startTestMaster, type TestMaster } from '../../master/test/support.ts';
import { openStore, type ControlPlaneStore } from '../../store/index.ts';
import { EPOCH, farFuture, twoChallengeSubnet, type Subnet } from '../../epoch/test/support.ts';
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
  close(): Promise<void>;
}

export async function auditBed(options: { publishBeta?: boolean } = {}): Promise<AuditBed> {
  const dir = mkdtempSync(join(tmpdir(), 'base-audit-'));
  const file = join(dir, 'store.sqlite3');
  const subnet = await twoChallengeSubnet();
  if (options.publishBeta === false) subnet.config.challenges[1]!.publishRawScores = false;
  const store = await openStore({ url: file, environment: 'development' });
  const reader = storeWeightsReader(() => store);
  const master = await startTestMaster({ weights: reader });
  const loop = subnet.loop(store);
  return {
    subnet,
    store,
    master,
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
    async close() {
      await master.close();
      await store.close();
      await subnet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
