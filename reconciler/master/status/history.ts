/**
 * `GET /v1/weights?limit=N[&before=E]`: the epoch history behind the status page's chart, newest first. Each entry is
 * a summary of one sealed vector (never recomputed): its digest, the share that burned and how its sources fared.
 */
import type { WeightsVector } from '../weights-reader.ts';

export interface WeightsHistoryEntry {
  epoch: number;
  digest: string;
  computed_at: string;
  expires_at: string;
  /** Weight the vector gives the burn uid (0..1). */
  burn_share: number;
  /** Sources that answered this epoch, were carried from an earlier snapshot, or failed (their share burned). */
  sources: { fresh: number; carried: number; failed: number };
}

export interface WeightsHistoryDocument {
  burn_uid: number;
  epochs: WeightsHistoryEntry[];
  /** Pass as `before` for the next (older) page; null when this page is the last. */
  next_before: number | null;
}

export const HISTORY_DEFAULT_LIMIT = 48;
export const HISTORY_MAX_LIMIT = 500;

export function burnShareOf(vector: Pick<WeightsVector, 'uids' | 'weights'>, burnUid: number): number {
  let share = 0;
  vector.uids.forEach((uid, i) => {
    if (uid === burnUid) share += vector.weights[i] ?? 0;
  });
  return share;
}

export function historyEntry(vector: WeightsVector, burnUid: number): WeightsHistoryEntry {
  const sources = { fresh: 0, carried: 0, failed: 0 };
  for (const source of vector.source_challenges) sources[source.outcome] += 1;
  return {
    epoch: vector.epoch,
    digest: vector.digest,
    computed_at: vector.computed_at,
    expires_at: vector.expires_at,
    burn_share: burnShareOf(vector, burnUid),
    sources,
  };
}

export function historyDocument(vectors: readonly WeightsVector[], burnUid: number, limit: number): WeightsHistoryDocument {
  const epochs = vectors.map((v) => historyEntry(v, burnUid));
  return { burn_uid: burnUid, epochs, next_before: epochs.length === limit ? (epochs[epochs.length - 1]?.epoch ?? null) : null };
}

export type HistoryQuery = { ok: true; limit: number; before: number | undefined } | { ok: false; detail: string };

const INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/** Parses `limit` and `before` from a query string; anything else in it is ignored. */
export function parseHistoryQuery(search: string): HistoryQuery {
  const params = new URLSearchParams(search);
  const limitText = params.get('limit');
  const beforeText = params.get('before');
  let limit = HISTORY_DEFAULT_LIMIT;
  if (limitText !== null) {
    limit = INTEGER.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= HISTORY_MAX_LIMIT)) return { ok: false, detail: `limit must be an integer from 1 to ${HISTORY_MAX_LIMIT}` };
  }
  let before: number | undefined;
  if (beforeText !== null) {
    before = INTEGER.test(beforeText) ? Number(beforeText) : NaN;
    if (!Number.isSafeInteger(before)) return { ok: false, detail: 'before must be a non-negative integer epoch' };
  }
  return { ok: true, limit, before };
}
