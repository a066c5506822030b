/**
 * Benchmark: aggregation of 64 challenges × 4,096 hotkeys against a 4,096-uid metagraph (target: median and p95 < 50 ms).
 * Inputs are Maps per challenge (the epoch loop's form); plain objects straight from JSON.parse are measured for
 * comparison (V8 enumerates large parsed objects slowly). Prints one JSON object.
 * Run: node --import tsx reconciler/weights/aggregate.bench.ts
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { aggregateChallengeWeights } from './aggregate.ts';
import type { ChallengeResult } from './aggregate.ts';
import { encodeU16 } from './u16.ts';

const CHALLENGES = 64;
const HOTKEYS = 4096;
const UIDS = 4096;
const WARMUP_RUNS = 5;
const MEASURED_RUNS = 30;
const TARGET_MS = 50;

/** Deterministic pseudo-random numbers (mulberry32), so every run aggregates the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const next = random(42);
const ss58Like = () => `5${Array.from({ length: 47 }, () => BASE58[Math.floor(next() * 58)]).join('')}`;

const hotkeys = Array.from({ length: HOTKEYS }, ss58Like);
const hotkeyToUid: Record<string, number> = {};
hotkeys.forEach((hotkey, uid) => (hotkeyToUid[hotkey] = uid % UIDS));
const parsedResults: ChallengeResult[] = JSON.parse(
  JSON.stringify(
    Array.from({ length: CHALLENGES }, (_, c) => ({
      slug: `challenge-${c}`,
      emission_percent: 1.5,
      weights: Object.fromEntries(hotkeys.map((hotkey) => [hotkey, next() * 100])),
      ok: c % 16 !== 15, // a few failed challenges, whose shares burn
    })),
  ),
) as ChallengeResult[];
// The epoch loop hands the aggregation Maps (built while validating each body); plain parsed objects are
// measured too, for comparison.
const challengeResults: ChallengeResult[] = parsedResults.map((result) => ({
  ...result,
  weights: new Map(Object.entries(result.weights as Record<string, number>)),
}));
const metagraph = new Map(Object.entries(hotkeyToUid));

function measure(run: () => void): number[] {
  for (let i = 0; i < WARMUP_RUNS; i++) run();
  const times: number[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
const round = (ms: number) => Math.round(ms * 1000) / 1000;

let uidsOut = 0;
const aggregation = measure(() => {
  uidsOut = aggregateChallengeWeights(challengeResults, metagraph).uids.length;
});
const fromPlainObjects = measure(() => void aggregateChallengeWeights(parsedResults, hotkeyToUid));
const result = aggregateChallengeWeights(challengeResults, metagraph);
const encoding = measure(() => void encodeU16(result.uids, result.weights));

const medianMs = percentile(aggregation, 50);
const p95Ms = percentile(aggregation, 95);
process.stdout.write(
  `${JSON.stringify({
    name: 'weights.aggregate',
    challenges: CHALLENGES,
    hotkeys_per_challenge: HOTKEYS,
    metagraph_uids: UIDS,
    score_entries: CHALLENGES * HOTKEYS,
    output_uids: uidsOut,
    warmup_runs: WARMUP_RUNS,
    runs: MEASURED_RUNS,
    median_ms: round(medianMs),
    p95_ms: round(p95Ms),
    min_ms: round(aggregation[0] as number),
    input_form: 'Map per challenge (as the epoch loop passes them)',
    plain_object_input_median_ms: round(percentile(fromPlainObjects, 50)),
    plain_object_input_p95_ms: round(percentile(fromPlainObjects, 95)),
    u16_encoding_median_ms: round(percentile(encoding, 50)),
    // Context for the figures: a busy machine (load well above the CPU count) inflates every timing.
    cpus: availableParallelism(),
    load_average_1m: Math.round((loadavg()[0] as number) * 100) / 100,
    target: `median and p95 < ${TARGET_MS} ms`,
    met: medianMs < TARGET_MS && p95Ms < TARGET_MS,
  })}\n`,
);
