/**
 * The emission impact of a desired-state change, pure: replay sealed epochs' published inputs once as sealed and
 * once with the shares of the changed file (through `aggregateEpochInputs`, the sealing code's aggregation), and
 * report per uid (and hotkey) the mean weight before → after, the burn (uid 0) before → after, and which
 * challenges gained or lost share. A challenge new in the file has no answers yet: its share burns, as a failed
 * challenge's does, until it answers. A retired challenge's answers are left out. The renderers only read the model.
 */
import { BURN_UID } from '../weights/aggregate.ts';
import { aggregateEpochInputs, type EpochInputs, type EpochInputSource } from '../weights/epoch-inputs.ts';

export const EMISSION_IMPACT_FORMAT_VERSION = 1;

export type ShareChange = 'gained' | 'lost' | 'added' | 'retired' | 'unchanged';

export interface ChallengeShareImpact {
  slug: string;
  /** emission_percent in the newest replayed epoch; null: not in it. */
  before: number | null;
  /** emission_percent the changed file gives (active challenges); null: retired or not active. */
  after: number | null;
  change: ShareChange;
}

export interface UidImpact {
  uid: number;
  /** The hotkey on this uid in the newest replayed epoch (null when the uid is not in its metagraph). */
  hotkey: string | null;
  /** Mean weight over the replayed epochs (0 in an epoch where the uid has none). */
  before: number;
  after: number;
  delta: number;
}

export interface EmissionImpact {
  format_version: typeof EMISSION_IMPACT_FORMAT_VERSION;
  /** Epochs replayed, ascending. */
  epochs: number[];
  /** Epochs that could not be replayed, and why (a challenge that does not publish raw scores, no valid vector). */
  skipped: Array<{ epoch: number; reason: string }>;
  challenges: ChallengeShareImpact[];
  /** uid 0: what burns. Mean over the replayed epochs. */
  burn: { before: number; after: number; delta: number };
  /** Every uid with weight before or after (burn included), the largest change first, then by uid. */
  uids: UidImpact[];
  /** true when some weight moves by more than 1e-9. */
  changed: boolean;
}

/** Weight changes below this are rounding, not impact. */
const NOISE = 1e-9;

/**
 * `epochs`: published inputs (any order); `sharesAfter`: slug → emission_percent of the changed file's active
 * challenges, in the file's order.
 */
export function emissionImpact(epochs: readonly EpochInputs[], sharesAfter: ReadonlyMap<string, number>): EmissionImpact {
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch);
  const skipped: EmissionImpact['skipped'] = [];
  const replayed: Array<{ epoch: EpochInputs; before: Map<number, number>; after: Map<number, number> }> = [];
  for (const epoch of sorted) {
    const hidden = epoch.challenge_results.filter((source) => source.ok && (!source.raw_scores_published || source.weights === undefined));
    if (hidden.length > 0) {
      skipped.push({ epoch: epoch.epoch, reason: `${hidden.map((s) => s.slug).join(', ')} does not publish raw scores (publish_raw_scores: false)` });
      continue;
    }
    let before: Map<number, number>;
    let after: Map<number, number>;
    try {
      before = uidWeights(epoch);
    } catch (error) {
      skipped.push({ epoch: epoch.epoch, reason: `the inputs as sealed admit no vector: ${(error as Error).message}` });
      continue;
    }
    try {
      after = uidWeights(withShares(epoch, sharesAfter));
    } catch (error) {
      skipped.push({ epoch: epoch.epoch, reason: `with the new shares no valid vector exists: ${(error as Error).message}` });
      continue;
    }
    replayed.push({ epoch, before, after });
  }

  const newest = sorted.at(-1);
  const hotkeyOf = new Map<number, string>();
  if (newest) for (const [hotkey, uid] of entriesOf(newest.hotkey_to_uid)) if (!hotkeyOf.has(uid)) hotkeyOf.set(uid, hotkey);

  const mean = (pick: (r: (typeof replayed)[number]) => Map<number, number>, uid: number) =>
    replayed.length === 0 ? 0 : replayed.reduce((sum, r) => sum + (pick(r).get(uid) ?? 0), 0) / replayed.length;
  const allUids = new Set<number>([BURN_UID]);
  for (const r of replayed) for (const uid of [...r.before.keys(), ...r.after.keys()]) allUids.add(uid);
  const uids = [...allUids]
    .map((uid): UidImpact => {
      const before = mean((r) => r.before, uid);
      const after = mean((r) => r.after, uid);
      return { uid, hotkey: uid === BURN_UID ? null : (hotkeyOf.get(uid) ?? null), before, after, delta: after - before };
    })
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.uid - b.uid);
  const burn = uids.find((u) => u.uid === BURN_UID)!;

  return {
    format_version: EMISSION_IMPACT_FORMAT_VERSION,
    epochs: replayed.map((r) => r.epoch.epoch),
    skipped,
    challenges: shareChanges(newest, sharesAfter),
    burn: { before: burn.before, after: burn.after, delta: burn.delta },
    uids,
    changed: uids.some((u) => Math.abs(u.delta) > NOISE),
  };
}

function uidWeights(inputs: EpochInputs): Map<number, number> {
  const { aggregation } = aggregateEpochInputs(inputs);
  const weights = new Map<number, number>();
  aggregation.uids.forEach((uid, i) => weights.set(uid, aggregation.weights[i] ?? 0));
  return weights;
}

/** The epoch as it would have been with the file's shares: retired challenges out, new ones with no answers yet. */
function withShares(inputs: EpochInputs, shares: ReadonlyMap<string, number>): EpochInputs {
  const bySlug = new Map(inputs.challenge_results.map((source) => [source.slug, source]));
  const challenge_results = [...shares].map(([slug, emission]): EpochInputSource => {
    const source = bySlug.get(slug);
    if (source) return { ...source, emission_percent: emission };
    const reason = 'new in this change: no answers yet, its share burns until it answers';
    return {
      slug,
      emission_percent: emission,
      ok: false,
      error: reason,
      outcome: 'failed',
      carried_from_epoch: null,
      reason,
      snapshot_digest: null,
      hotkey_count: 0,
      raw_scores_published: true,
    };
  });
  return { ...inputs, challenge_results };
}

function shareChanges(newest: EpochInputs | undefined, shares: ReadonlyMap<string, number>): ChallengeShareImpact[] {
  const before = new Map((newest?.challenge_results ?? []).map((source) => [source.slug, source.emission_percent]));
  const slugs = [...new Set([...before.keys(), ...shares.keys()])];
  return slugs.map((slug) => {
    const was = before.get(slug) ?? null;
    const now = shares.get(slug) ?? null;
    const change: ShareChange =
      was === null ? 'added' : now === null ? 'retired' : now > was ? 'gained' : now < was ? 'lost' : 'unchanged';
    return { slug, before: was, after: now, change };
  });
}

function entriesOf(map: EpochInputs['hotkey_to_uid']): Array<[string, number]> {
  return map instanceof Map ? [...map] : Object.entries(map);
}
