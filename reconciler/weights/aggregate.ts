import { PythonFloatSum, pythonSumArray } from './python-sum.ts';
import { U16_MAX } from './u16.ts';

/** The uid every unallocated share burns to (the subnet owner's validator). */
export const BURN_UID = 0;
/** Miner mass or burn at or below this is treated as zero. */
export const EPS = 1e-12;

/** One challenge's answer for an epoch, in the reference master's shape (`ChallengeWeightsResult`). */
export interface ChallengeResult {
  slug: string;
  /** Absolute share of the whole vector, out of 100. */
  emission_percent: number;
  /** Raw scores by hotkey; values that are not finite numbers > 0 are ignored. Absent means empty. */
  weights?: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;
  /** false: the challenge failed this epoch and its share burns. Absent means true. */
  ok?: boolean;
  error?: string | null;
}

export type HotkeyToUid = Readonly<Record<string, number>> | ReadonlyMap<string, number>;

export interface AggregationOptions {
  /** Chain hyperparameter: the fewest uids a weight vector may name (default 1). */
  minAllowedWeights?: number;
  /** Chain hyperparameter, in u16 space: the largest single weight (default 65535, no cap). */
  maxWeightLimit?: number;
}

export interface AggregationResult {
  /** Ascending. */
  uids: number[];
  /** Parallel to `uids`, summing to 1 (up to rounding). */
  weights: number[];
  /** Kept hotkeys' scores before the final normalization, in first-seen order; empty on the zero-miner path. */
  hotkeyWeights: Map<string, number>;
  /** true when no miner had any mass and the padded burn vector was used. */
  zeroMiner: boolean;
}

/** No chain-valid vector exists for the zero-miner case; nothing must be sealed or submitted. */
export class ZeroMinerWeightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZeroMinerWeightError';
  }
}

/** The input cannot be aggregated at all (for example a non-finite emission share). */
export class AggregationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AggregationInputError';
  }
}

/** Python's max(a, b) / min(a, b) for two floats: the first argument unless the second is strictly better. */
const pyMax = (a: number, b: number): number => (b > a ? b : a);
const pyMin = (a: number, b: number): number => (b < a ? b : a);

/**
 * The reference master's `aggregate_challenge_weights`, operation for operation, so that uids match exactly
 * and weights to the last bits: every sum is CPython 3.12's `sum()`, every map iterates in first-insertion
 * order (as Python dicts do), and only the final vector is sorted by uid.
 *
 * 1. ok challenges only; share = max(emission_percent, 0) / 100 by slug (a repeated slug keeps its first
 *    position and its last share, and every result under that slug uses it); shares summing past 1 are
 *    divided by their sum.
 * 2. For each ok challenge with share > 0: keep finite values > 0, divide by their sum, add `share * value`
 *    to the hotkey's score.
 * 3. Hotkeys unknown to the metagraph or on uid 0 are dropped (their mass burns); scores of hotkeys on the same
 *    uid add up.
 * 4. Miner total <= 1e-12: the zero-miner vector (see `buildZeroMinerWeights`). Otherwise
 *    burn = 1 - total goes to uid 0 when > 1e-12, and the vector is divided by its sum.
 */
export function aggregateChallengeWeights(
  challengeResults: readonly ChallengeResult[],
  hotkeyToUid: HotkeyToUid,
  options: AggregationOptions = {},
): AggregationResult {
  const okResults = challengeResults.filter((result) => result.ok !== false);

  const shares = new Map<string, number>();
  for (const result of okResults) {
    if (!Number.isFinite(result.emission_percent)) {
      throw new AggregationInputError(
        `challenge "${result.slug}": emission_percent is ${result.emission_percent}; expected a finite number`,
      );
    }
    shares.set(result.slug, pyMax(result.emission_percent, 0) / 100);
  }
  const allocTotal = sumValues(shares);
  if (allocTotal > 1) {
    for (const [slug, share] of shares) shares.set(slug, share / allocTotal);
  }

  // Scores live in a Float64Array indexed by first-seen position: no boxed number per update.
  const scores = new HotkeyScores();
  const cleaned = new CleanedWeights();
  for (const result of okResults) {
    const share = shares.get(result.slug) ?? 0;
    if (share <= 0) continue;
    cleaned.load(result.weights);
    const total = pythonSumArray(cleaned.values, cleaned.length);
    if (total <= 0) continue;
    for (let i = 0; i < cleaned.length; i++) {
      scores.add(cleaned.hotkeys[i] as string, share * ((cleaned.values[i] as number) / total));
    }
  }

  const uidOf = uidLookup(hotkeyToUid);
  const uidScores = new Map<number, number>();
  const keptHotkeys = new Map<string, number>();
  for (let i = 0; i < scores.hotkeys.length; i++) {
    const hotkey = scores.hotkeys[i] as string;
    const score = scores.values[i] as number;
    const uid = uidOf(hotkey);
    if (uid === undefined || uid === BURN_UID) continue;
    uidScores.set(uid, (uidScores.get(uid) ?? 0) + score);
    keptHotkeys.set(hotkey, score);
  }

  const minerTotal = sumValues(uidScores);
  if (minerTotal <= EPS) {
    const zero = buildZeroMinerWeights(metagraphUids(hotkeyToUid), options);
    return { ...zero, hotkeyWeights: new Map(), zeroMiner: true };
  }

  const finalScores = new Map(uidScores);
  const burn = 1 - minerTotal;
  if (burn > EPS) finalScores.set(BURN_UID, (finalScores.get(BURN_UID) ?? 0) + burn);
  const total = sumValues(finalScores);
  const ordered = [...finalScores].sort((a, b) => a[0] - b[0]);
  return {
    uids: ordered.map(([uid]) => uid),
    weights: ordered.map(([, value]) => value / total),
    hotkeyWeights: keptHotkeys,
    zeroMiner: false,
  };
}

/**
 * The chain-valid fallback when no miner has mass (`build_zero_miner_weights`): uid 0, then the smallest other
 * metagraph uids, `required = max(min_allowed_weights, 1, ceil(1 / min(max_weight_limit / 65535, 1)))` of them,
 * equal weights. Throws ZeroMinerWeightError when `max_weight_limit <= 0` or the metagraph has too few uids.
 */
export function buildZeroMinerWeights(
  availableUids: Iterable<number>,
  options: AggregationOptions = {},
): { uids: number[]; weights: number[] } {
  const minAllowedWeights = options.minAllowedWeights ?? 1;
  const maxWeightLimit = options.maxWeightLimit ?? U16_MAX;
  if (!(maxWeightLimit > 0)) {
    throw new ZeroMinerWeightError(`max_weight_limit=${maxWeightLimit} admits no positive weight`);
  }
  const maxFraction = pyMin(maxWeightLimit / U16_MAX, 1);
  const others = [...new Set(availableUids)].filter((uid) => uid !== BURN_UID).sort((a, b) => a - b);
  const candidates = [BURN_UID, ...others];
  const required = Math.max(Math.trunc(minAllowedWeights), 1, Math.ceil(1 / maxFraction));
  if (candidates.length < required) {
    throw new ZeroMinerWeightError(
      `cannot build a chain-valid zero-miner weight vector: need ${required} uids ` +
        `(min_allowed_weights=${minAllowedWeights}, max_weight_limit=${maxWeightLimit}) ` +
        `but only ${candidates.length} usable uid(s) available`,
    );
  }
  const weight = 1 / required;
  const uids = candidates.slice(0, required);
  return { uids, weights: uids.map(() => weight) };
}

/** Python's `defaultdict(float)` of hotkey scores: first-seen order, `0.0 + x` on first use. */
class HotkeyScores {
  readonly hotkeys: string[] = [];
  values: Float64Array = new Float64Array(4096);
  private readonly index = new Map<string, number>();

  add(hotkey: string, amount: number): void {
    let i = this.index.get(hotkey);
    if (i === undefined) {
      i = this.hotkeys.length;
      this.index.set(hotkey, i);
      this.hotkeys.push(hotkey);
      if (i === this.values.length) this.values = grow(this.values);
    }
    this.values[i] = (this.values[i] as number) + amount;
  }
}

/** One challenge's map, cleaned (finite numbers > 0, original order) into reusable parallel buffers. */
class CleanedWeights {
  hotkeys: string[] = [];
  values: Float64Array = new Float64Array(4096);
  length = 0;

  load(raw: ChallengeResult['weights']): void {
    this.length = 0;
    if (raw === undefined) return;
    if (raw instanceof Map) {
      // Two bulk copies are much cheaper than an entries iterator (no pair array per entry).
      const map = raw as ReadonlyMap<string, unknown>;
      const keys = [...map.keys()];
      const values = [...map.values()];
      for (let i = 0; i < keys.length; i++) this.keep(keys[i] as string, values[i]);
      return;
    }
    // A large parsed JSON object is in V8 dictionary mode: enumerating it is several times slower than a Map.
    const record = raw as Readonly<Record<string, unknown>>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const hotkey = keys[i] as string;
      this.keep(hotkey, record[hotkey]);
    }
  }

  private keep(hotkey: string, value: unknown): void {
    // Only real numbers count: a string, boolean or null score is as invalid as NaN.
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return;
    if (this.length === this.values.length) this.values = grow(this.values);
    this.hotkeys[this.length] = hotkey;
    this.values[this.length] = value;
    this.length++;
  }
}

function grow(values: Float64Array): Float64Array {
  const grown = new Float64Array(values.length * 2);
  grown.set(values);
  return grown;
}

function sumValues(map: ReadonlyMap<unknown, number>): number {
  const acc = new PythonFloatSum();
  for (const value of map.values()) acc.add(value);
  return acc.value();
}

function uidLookup(hotkeyToUid: HotkeyToUid): (hotkey: string) => number | undefined {
  if (hotkeyToUid instanceof Map) return (hotkey) => hotkeyToUid.get(hotkey);
  const record = hotkeyToUid as Readonly<Record<string, number>>;
  return (hotkey) => (Object.hasOwn(record, hotkey) ? record[hotkey] : undefined);
}

function metagraphUids(hotkeyToUid: HotkeyToUid): Iterable<number> {
  return hotkeyToUid instanceof Map ? hotkeyToUid.values() : Object.values(hotkeyToUid as Record<string, number>);
}
