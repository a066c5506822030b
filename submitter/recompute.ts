/**
 * `verify: recompute`: before a vector goes on chain, replay its epoch from the inputs the master publishes, with
 * the same check `base weights verify` runs (reconciler/audit/verify-epoch.ts, which recomputes through the
 * master's own sealing function). Pure apart from the URL; the fetch is the caller's.
 */
import { verifyEpoch } from '../reconciler/audit/verify-epoch.ts';
import type { SealedVector } from '../reconciler/weights/index.ts';

/** `https://m/v1/weights/latest` → `https://m/v1/weights/{epoch}/inputs` (credentials and host kept). */
export function inputsUrlFor(weightsUrl: string, epoch: number): string {
  const url = new URL(`${epoch}/inputs`, weightsUrl);
  url.search = '';
  return url.toString();
}

/** What the round logs after a successful recomputation. */
export interface RecomputeSummary {
  status: 'verified' | 'unverifiable';
  /** Parts that could not be recomputed (a challenge with publish_raw_scores: false), named. */
  unverifiable: string[];
}

export type RecomputeCheck = { ok: true; summary: RecomputeSummary } | { ok: false; message: string };

/** Recomputes `vector` (already checked by checkVector) from its epoch's published inputs. */
export function recomputeCheck(vector: SealedVector, inputsBody: unknown, masterPublicKey: Uint8Array): RecomputeCheck {
  const verdict = verifyEpoch(vector, inputsBody, masterPublicKey);
  if (verdict.status === 'mismatch') {
    return { ok: false, message: `recomputing epoch ${vector.epoch} from its published inputs gives another vector: ${verdict.field}: ${verdict.detail}` };
  }
  return { ok: true, summary: { status: verdict.status, unverifiable: verdict.unverifiable } };
}
