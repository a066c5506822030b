/**
 * Benchmark: `base weights verify` over 48 sealed epochs of 32 challenges × 1,024 hotkeys (1,024-uid metagraph),
 * target < 50 ms per epoch. Measured two ways in one run: the pure check (verifyEpoch + verifyChain on parsed
 * documents) and the whole command path (runVerify against a loopback HTTP server serving the documents as a master
 * would: fetch, JSON parse, verify, chain). Anchor, measured in the same run on the same epochs: the bare
 * aggregation of an epoch (aggregateEpochInputs), so `ratio_to_anchor` is what verifying costs per epoch in units of
 * the aggregation the master runs to seal it. Prints one JSON object.
 * Run: node --import tsx reconciler/audit/verify.bench.ts
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { aggregateEpochInputs, hotkeyToUidDigest, vectorFromEpochInputs, type EpochInputs } from '../weights/epoch-inputs.ts';
import { sealVector, type SealedVector } from '../weights/index.ts';
import { snapshotDigest } from '../weights/snapshot-digest.ts';
import { runVerify } from './run-verify.ts';
import { verifyChain, verifyEpoch } from './verify-epoch.ts';

const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 48);
const CHALLENGES = 32;
const HOTKEYS = 1024;
const RUNS = 3;
const TARGET_MS_PER_EPOCH = 50;
const FIRST_EPOCH = 500_000;

// Deterministic data, the same every run: hotkeys from a hash of their index, scores from a multiplicative hash.
const hotkeys = Array.from({ length: HOTKEYS }, (_, i) => `5${createHash('sha256').update(`hotkey-${i}`).digest('hex').slice(0, 47)}`);
const hotkeyToUid = Object.fromEntries(hotkeys.map((hotkey, i) => [hotkey, i + 1]));
const score = (epoch: number, challenge: number, hotkey: number) => (((epoch * 31 + challenge * 7919 + hotkey * 104_729) >>> 0) % 9973) / 10 + 0.1;

await cryptoWaitReady();
const keypair = sr25519PairFromSeed(new Uint8Array(32).fill(3));

// Setup (not timed): seal the chain of epochs as the master would, keeping the documents as served.
const served = new Map<string, string>();
const inputsDocs: EpochInputs[] = [];
let previous: { epoch: number; digest: string } | null = null;
let latest: SealedVector | null = null;
for (let e = 0; e < EPOCHS; e++) {
  const epoch = FIRST_EPOCH + e;
  const inputs: EpochInputs = {
    format_version: 1,
    epoch,
    challenge_results: Array.from({ length: CHALLENGES }, (_, c) => {
      const weights = Object.fromEntries(hotkeys.map((hotkey, h) => [hotkey, score(e, c, h)]));
      return {
        slug: `challenge-${c}`,
        emission_percent: 3,
        ok: true,
        error: null,
        outcome: 'fresh' as const,
        carried_from_epoch: null,
        reason: null,
        snapshot_digest: snapshotDigest(weights),
        hotkey_count: HOTKEYS,
        raw_scores_published: true,
        weights,
      };
    }),
    hotkey_to_uid: hotkeyToUid,
    kwargs: { min_allowed_weights: 0, max_weight_limit: 1 },
    metagraph: { source: 'chain', block_number: 1000 + e, block_hash: `0x${'ab'.repeat(32)}` },
  };
  const computedAt = new Date(Date.UTC(2026, 0, 1, 0, e * 6));
  const vector = await sealVector(
    vectorFromEpochInputs(inputs, { netuid: 7, chainEndpoint: 'wss://chain.example', desiredStateRevision: 'bench', computedAt, metagraphUpdatedAt: computedAt, previous }),
    keypair,
  );
  served.set(`/v1/weights/${epoch}`, JSON.stringify(vector));
  served.set(`/v1/weights/${epoch}/inputs`, JSON.stringify(inputs));
  inputsDocs.push(inputs);
  previous = { epoch, digest: vector.digest };
  latest = vector;
}
served.set('/v1/weights/latest', JSON.stringify(latest));
void hotkeyToUidDigest; // the metagraph digest is part of what verifyEpoch recomputes
const bytesServed = [...served.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const round = (ms: number) => Math.round(ms * 100) / 100;
const publicKey = u8aToHex(keypair.publicKey);

// Anchor: the bare aggregation of every epoch (what sealing computes), same data, same run.
const anchorRuns: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const start = performance.now();
  for (const inputs of inputsDocs) aggregateEpochInputs(inputs);
  anchorRuns.push(performance.now() - start);
}

// The pure check on parsed documents.
const parsed = inputsDocs.map((inputs) => ({ vector: JSON.parse(served.get(`/v1/weights/${inputs.epoch}`)!), inputs: JSON.parse(served.get(`/v1/weights/${inputs.epoch}/inputs`)!) }));
const pureRuns: number[] = [];
let pureVerified = 0;
for (let r = 0; r < RUNS; r++) {
  const start = performance.now();
  const verdicts = parsed.map(({ vector, inputs }) => verifyEpoch(vector, inputs, publicKey));
  const links = verifyChain(verdicts);
  pureRuns.push(performance.now() - start);
  pureVerified = verdicts.filter((v) => v.status === 'verified').length;
  if (links.some((l) => l.status === 'broken')) throw new Error('bench: the chain should hold');
}

// The command path: runVerify against a loopback master.
const server = createServer((req, res) => {
  const body = served.get(req.url ?? '');
  if (body === undefined) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const commandRuns: number[] = [];
let commandSummary: Awaited<ReturnType<typeof runVerify>> | null = null;
for (let r = 0; r < RUNS; r++) {
  const start = performance.now();
  commandSummary = await runVerify({ master: url, publicKey, depth: EPOCHS });
  commandRuns.push(performance.now() - start);
}
server.close();
if (!commandSummary?.ok || commandSummary.verified !== EPOCHS) throw new Error(`bench: expected ${EPOCHS} verified epochs, got ${JSON.stringify(commandSummary && { ...commandSummary, reports: undefined })}`);

const anchorPerEpoch = median(anchorRuns) / EPOCHS;
const purePerEpoch = median(pureRuns) / EPOCHS;
const commandPerEpoch = median(commandRuns) / EPOCHS;
process.stdout.write(
  `${JSON.stringify({
    name: 'audit.verify',
    epochs: EPOCHS,
    challenges: CHALLENGES,
    hotkeys_per_challenge: HOTKEYS,
    metagraph_uids: HOTKEYS,
    score_entries_per_epoch: CHALLENGES * HOTKEYS,
    bytes_served: bytesServed,
    runs: RUNS,
    verified: pureVerified,
    command: { wall_ms: round(median(commandRuns)), per_epoch_ms: round(commandPerEpoch), what: 'runVerify over loopback HTTP: fetch, parse, verify, chain' },
    pure: { wall_ms: round(median(pureRuns)), per_epoch_ms: round(purePerEpoch), what: 'verifyEpoch + verifyChain on parsed documents' },
    anchor: { name: 'aggregateEpochInputs (the sealing aggregation), same epochs, same run', wall_ms: round(median(anchorRuns)), per_epoch_ms: round(anchorPerEpoch) },
    ratio_to_anchor: { pure: Math.round((purePerEpoch / anchorPerEpoch) * 100) / 100, command: Math.round((commandPerEpoch / anchorPerEpoch) * 100) / 100 },
    cpus: availableParallelism(),
    load_average_1m: Math.round((loadavg()[0] as number) * 100) / 100,
    target: `command per epoch < ${TARGET_MS_PER_EPOCH} ms`,
    met: commandPerEpoch < TARGET_MS_PER_EPOCH,
  })}\n`,
);
