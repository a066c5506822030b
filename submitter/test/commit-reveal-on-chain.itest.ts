// Commit-reveal against the real subtensor runtime under chopsticks (the raonet spec, found through
// BASE_SUBTENSOR_SPEC alone: a copy, every other source pointed nowhere). That runtime (spec 218) has hash
// commit-reveal (commit_weights / reveal_weights, RevealTooEarly, RevealPeriodEpochs, the legacy epoch formula) but
// no commit_timelocked_weights and no Drand pallet, so `auto` must fall back to hash mode; the timelocked path is
// proven by vectors (submitter/commit-reveal/test/), not by a chain. Its dynamic epoch schedule (LastEpochBlock,
// get_next_epoch_start_block, spec 423+) is not there either; the planner's table tests cover it. The quirk that this
// runtime runs its epoch every block does not touch commit-reveal: reveal windows follow the epoch index formula,
// checked below against the chain's own record of the commit (WeightCommits' first and last reveal block).
//
// With commit-reveal on: the submitter commits, refuses nothing, is refused RevealTooEarly by the runtime when it
// tries early (a stale window in its ledger), reveals after a restart in a separate process in the right epoch,
// exactly once, and the Weights read back equal the sealed u16 vector; the salt never appears in a log line and the
// ledger holding it is 0600.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { resolveChainSpec } from '../../reconciler/chain/testing/chain-spec.ts';
import type { LedgerEntry } from '../ledger.ts';
import { runSubmitter } from '../run.ts';
import { startSubmitterChain } from './chain-fixture.ts';
import type { SubmitterChainFixture } from './chain-fixture.ts';
import { tempDir } from './helpers.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TEMPO = 5;
const work = tempDir('commit-reveal-chain');
let fx: SubmitterChainFixture;

before(async () => {
  // The spec from wherever this machine has it, copied; then only BASE_SUBTENSOR_SPEC can lead to it.
  const copy = path.join(work.dir, 'raonet-copy.json');
  copyFileSync((await resolveChainSpec()).path, copy);
  process.env.BASE_SUBTENSOR_SPEC = copy;
  const nowhere = path.join(work.dir, 'nowhere');
  fx = await startSubmitterChain(3, { spec: { sharedPath: path.join(nowhere, 'raonet.json'), cacheDir: nowhere, url: 'http://127.0.0.1:9/raonet.json' } });
  await fx.net.setWeightsHyperparameters(fx.netuid, { tempo: TEMPO, revealPeriodEpochs: 1, commitRevealEnabled: true });
}, { timeout: 300_000 });
after(async () => {
  await fx?.close();
  work.remove();
});

type Line = Record<string, unknown>;
async function inProcess(file: string): Promise<{ code: number; lines: Line[] }> {
  const lines: string[] = [];
  const code = await runSubmitter({ configFile: file, once: true, dryRun: false, log: (line) => lines.push(line) });
  return { code, lines: lines.map((line) => JSON.parse(line) as Line) };
}
async function viaCli(file: string): Promise<{ code: number; lines: Line[]; raw: string }> {
  const run = await execa('node', ['bin/base.mjs', 'submitter', 'run', '--config', file, '--once'], { cwd: PROJECT_ROOT, reject: false });
  return { code: run.exitCode ?? -1, lines: run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line), raw: `${run.stdout}\n${run.stderr}` };
}
const epochIndex = (block: number) => Math.floor((block + fx.netuid + 1) / (TEMPO + 1));

test('the localnet runs the chain spec found through BASE_SUBTENSOR_SPEC alone', () => {
  assert.equal(fx.net.specSource, 'env');
});

test('--dry-run on the commit-reveal subnet prints the planned commit and its exact call, and sends and records nothing', async () => {
  const vector = await fx.publish();
  const { file, config } = fx.config('dry-run');
  const before = await fx.net.bestBlock();
  const lines: string[] = [];
  const code = await runSubmitter({ configFile: file, once: true, dryRun: true, log: (line) => lines.push(line) });
  const round = JSON.parse(lines.at(-1)!) as Line;
  assert.equal(code, 0, JSON.stringify(round));
  assert.equal(round.outcome, 'dry_run');
  const planned = round.would_commit as { mode: string; reveal_window: { first_block: number }; call: { section: string; method: string; hex: string } };
  assert.equal(planned.mode, 'hash');
  assert.equal(planned.reveal_window.first_block > before.number, true);
  const netuidLe = Buffer.alloc(2);
  netuidLe.writeUInt16LE(fx.netuid);
  // commit_weights is call [7, 96] on this runtime: 0x0760 | netuid u16 | H256.
  assert.match(planned.call.hex, new RegExp(`^0x0760${netuidLe.toString('hex')}[0-9a-f]{64}$`));
  assert.deepEqual({ section: planned.call.section, method: planned.call.method }, { section: 'subtensorModule', method: 'commitWeights' });
  assert.deepEqual((round.would_submit as { uids: number[] }).uids, vector.weights_u16.uids);
  assert.deepEqual(await fx.net.bestBlock(), before);
  assert.throws(() => readFileSync(path.join(config.stateDir, 'ledger.json')), /ENOENT/);
});

test('commit-reveal on: auto commits a hash, is refused RevealTooEarly when it tries early, reveals once after a restart', async () => {
  const vector = await fx.publish();
  const { file, config } = fx.config('hash-e2e');
  const ledgerFile = path.join(config.stateDir, 'ledger.json');
  const readEntry = () => (JSON.parse(readFileSync(ledgerFile, 'utf8')) as { entries: LedgerEntry[] }).entries.find((e) => e.digest === vector.digest)!;

  // Land the commit in the first block of an epoch, so that the next blocks are still too early to reveal.
  const head = (await fx.net.bestBlock()).number;
  let commitBlock = head + 1;
  while ((commitBlock + fx.netuid + 1) % (TEMPO + 1) !== 0) commitBlock += 1;
  if (commitBlock > head + 1) await fx.net.newBlocks(commitBlock - head - 1);

  const first = await inProcess(file);
  const round = first.lines.at(-1)!;
  assert.equal(first.code, 0, JSON.stringify(round));
  assert.equal(round.outcome, 'committed', JSON.stringify(round));
  const commit = round.commit as { mode: string; commit_block: number; reveal_window: { first_block: number; last_block: number }; commit_epoch: number };
  assert.equal(commit.mode, 'hash', 'no commit_timelocked_weights on spec 218: auto falls back to hash');
  assert.equal(commit.commit_block, commitBlock);
  const window = commit.reveal_window;
  assert.equal(epochIndex(window.first_block), epochIndex(commitBlock) + 1, 'revealed in the next epoch (RevealPeriodEpochs 1)');
  assert.equal(epochIndex(window.first_block - 1), epochIndex(commitBlock));
  assert.equal(window.last_block - window.first_block, TEMPO);
  assert.deepEqual(await fx.storedWeights(), [], 'a commit sets no weights');

  const salt = readEntry().commit!.salt!;
  assert.equal(salt.length, 16);
  assert.equal(statSync(ledgerFile).mode & 0o777, 0o600, 'the ledger holding the salt is owner-only');
  const onChain = (await fx.net.api.query.subtensorModule!.weightCommits!(fx.netuid, fx.validator.address)).toJSON() as Array<[string, number, number, number]>;
  assert.deepEqual(onChain.map(([hash, block, firstReveal, lastReveal]) => [hash, block, firstReveal, lastReveal]), [
    [readEntry().commit!.commit_hash, commitBlock, window.first_block, window.last_block],
  ]);

  // A stale plan (as after a tempo change): the ledger says the window is open, the runtime says too early.
  const doc = JSON.parse(readFileSync(ledgerFile, 'utf8')) as { entries: LedgerEntry[] };
  doc.entries.find((e) => e.digest === vector.digest)!.commit!.reveal_window = { first_block: commitBlock + 1, last_block: window.last_block };
  writeFileSync(ledgerFile, JSON.stringify(doc));
  const early = await inProcess(file);
  const refused = early.lines.find((l) => l.event === 'reveal')!;
  assert.equal(refused.outcome, 'reveal_refused', JSON.stringify(refused));
  assert.equal(refused.error, 'subtensorModule.RevealTooEarly');
  assert.equal(readEntry().commit!.reveal.state, 'pending');
  assert.deepEqual(await fx.storedWeights(), []);
  const fixed = JSON.parse(readFileSync(ledgerFile, 'utf8')) as { entries: LedgerEntry[] };
  fixed.entries.find((e) => e.digest === vector.digest)!.commit!.reveal_window = window;
  writeFileSync(ledgerFile, JSON.stringify(fixed));

  // Before the window: a round only waits (and says when it opens).
  const waiting = await inProcess(file);
  const wait = waiting.lines.find((l) => l.event === 'reveal')!;
  assert.equal(wait.outcome, 'waiting_reveal', JSON.stringify(wait));
  assert.match(String(wait.reason), new RegExp(`opens at block ${window.first_block}`));

  // The block before the window: a restarted submitter (a new process) reveals, landing in the window.
  const now = (await fx.net.bestBlock()).number;
  await fx.net.newBlocks(window.first_block - 1 - now);
  const restarted = await viaCli(file);
  assert.equal(restarted.code, 0, restarted.raw);
  const reveal = restarted.lines.find((l) => l.event === 'reveal')!;
  assert.equal(reveal.outcome, 'revealed', JSON.stringify(reveal));
  const revealBlock = (reveal.block as { number: number }).number;
  assert.ok(revealBlock >= window.first_block && revealBlock <= window.last_block, `revealed in block ${revealBlock}`);
  assert.equal(restarted.lines.find((l) => l.event === 'round')!.outcome, 'already_submitted');
  assert.deepEqual(await fx.storedWeights(), vector.weights_u16.uids.map((uid, i) => [uid, vector.weights_u16.weights[i]]));
  assert.equal(readEntry().commit!.salt, undefined, 'the salt leaves the ledger once revealed');

  // Once: another run sends nothing and has nothing left to follow.
  const before = await fx.net.bestBlock();
  const again = await viaCli(file);
  assert.equal(again.code, 0, again.raw);
  assert.equal(again.lines.filter((l) => l.event === 'reveal').length, 0);
  assert.deepEqual(await fx.net.bestBlock(), before, 'a block was built: something was sent');

  const logged = [...first.lines, ...early.lines, ...waiting.lines].map((l) => JSON.stringify(l)).join('\n') + restarted.raw + again.raw;
  for (const form of [salt.join(','), JSON.stringify(salt), salt.join(', ')]) assert.ok(!logged.includes(form), `the salt (${form}) appears in the logs`);
});
