import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action, UserError } from '../action.ts';
import type { ControlPlaneStore } from '../../store/index.ts';
import type { createWeightsLoop, WeightsEpochLoop } from '../../epoch/index.ts';
import { DEFAULT_DESIRED_STATE_FILE, STORE_URL_ENV } from '../defaults.ts';

/** `base weights ...`: the weights pipeline's offline tools. */
export function register(program: Command): void {
  const weights = program.command('weights').description('Weights pipeline tools (aggregate an epoch offline, seal epochs)');
  registerSealCommands(weights);
  registerVerifyCommand(weights);

  weights
    .command('aggregate')
    .description('Aggregate challenge results into a weight vector exactly as the master does, and print it')
    .requiredOption('--input <file>', 'JSON file: an object with `inputs` (as the aggregate fixtures have), or the inputs object itself')
    .option('--compact', 'print the JSON on one line')
    .addHelpText(
      'after',
      `
The inputs object: {
  "challenge_results": [{ "slug", "emission_percent", "weights": { hotkey: score }, "ok", "error" }, ...],
  "hotkey_to_uid": { hotkey: uid },
  "kwargs": { "min_allowed_weights"?: integer, "max_weight_limit"?: number }   (optional)
}
Prints { uids, weights, hotkey_weights, weights_u16: { uids, weights } } on stdout.

Exit status: 0 with a vector; 1 when the file cannot be read or is malformed, or when no chain-valid vector
can be built (zero-miner case with too few uids, or max_weight_limit <= 0); the reason goes to stderr.

Example:
  base weights aggregate --input reconciler/weights/test/fixtures/aggregate/05_unknown_hotkey_share_burns.json`,
    )
    .action(
      action(async (options: { input: string; compact?: boolean }) => {
        // Loaded here, not at start-up: the weights code pulls in @polkadot/util-crypto.
        const { aggregateChallengeWeights, AggregationInputError, encodeU16, parseAggregationInput, ZeroMinerWeightError } = await import('../../weights/index.ts');
        const file = options.input;
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          throw new UserError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new UserError(`${file}: not valid JSON: ${(error as Error).message}`);
        }
        const hasInputs = typeof parsed === 'object' && parsed !== null && 'inputs' in parsed;
        try {
          const input = parseAggregationInput(hasInputs ? (parsed as { inputs: unknown }).inputs : parsed, hasInputs ? `${file}#inputs` : file);
          const result = aggregateChallengeWeights(input.challengeResults, input.hotkeyToUid, input.options);
          const output = {
            uids: result.uids,
            weights: result.weights,
            hotkey_weights: Object.fromEntries(result.hotkeyWeights),
            weights_u16: encodeU16(result.uids, result.weights),
          };
          process.stdout.write(`${JSON.stringify(output, null, options.compact ? undefined : 2)}\n`);
          return 0;
        } catch (error) {
          if (error instanceof AggregationInputError) throw new UserError(error.message);
          if (error instanceof ZeroMinerWeightError) throw new UserError(`${file}: no weight vector can be built: ${error.message}`);
          throw error;
        }
      }),
    );
}

interface LoopFlags {
  file: string;
  stateDir?: string;
  origin: string[];
  revision?: string;
}

const LOOP_HELP = `
Reads the desired state, the challenges' tokens and the master signing key (minted by base apply) from the
reconciler's state folder, and the control-plane store from $${STORE_URL_ENV} (development: SQLite in the state
folder when unset; production: PostgreSQL, required). The metagraph is subnet.yaml's development_metagraph:
these commands refuse a production subnet until the chain reader is wired in.
Challenges are asked at http://challenge-<slug>:<port> (the overlay); --origin SLUG=URL points one elsewhere.`;

function registerSealCommands(weights: Command): void {
  const common = (command: Command) =>
    command
      .option('--file <file>', 'desired-state file', DEFAULT_DESIRED_STATE_FILE)
      .option('--state-dir <dir>', 'reconciler state folder (default: $BASE_STATE_DIR or /var/lib/base/reconciler)')
      .option('--origin <slug=url>', 'reach a challenge at this origin (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
      .option('--revision <revision>', 'desired-state revision recorded in the vector');

  common(weights.command('seal-once'))
    .description('Collect, aggregate and seal one epoch exactly as the master does, then print the outcome')
    .option('--epoch <n>', 'the epoch to seal (default: the current one)')
    .option('--retry-for <seconds>', 'how long to retry while the store is unavailable', '30')
    .option('--print-vector', 'print the sealed vector instead of a summary')
    .addHelpText('after', `${LOOP_HELP}

Exit status: 0 when the epoch is sealed now or was already sealed (the stored vector is adopted, never replaced);
1 when nothing could be sealed (the reason goes to stderr).

Example:
  base weights seal-once --file desired-state/subnet.yaml --state-dir /var/lib/base/reconciler`)
    .action(
      action(async (flags: LoopFlags & { epoch?: string; retryFor: string; printVector?: boolean }) => {
        const { epochOf } = await import('../../epoch/index.ts');
        const { loop, store, interval } = await wireLoop(flags);
        try {
          const epoch = flags.epoch === undefined ? epochOf(new Date(), interval) : Number(flags.epoch);
          if (!Number.isSafeInteger(epoch) || epoch < 0) throw new UserError(`--epoch ${flags.epoch}: expected an integer >= 0`);
          const retryFor = Number(flags.retryFor);
          if (!(retryFor >= 0)) throw new UserError(`--retry-for ${flags.retryFor}: expected a number of seconds >= 0`);
          const result = await loop.runEpoch(epoch, { retryUntil: new Date(Date.now() + retryFor * 1000) });
          if (result.status === 'failed') throw new UserError(result.error);
          const vector = result.vector;
          const summary = {
            status: result.status,
            ...(result.status === 'adopted' ? { why: result.why } : {}),
            epoch: vector.epoch,
            digest: vector.digest,
            signer: vector.signer.ss58,
            uids: vector.uids.length,
            sources: vector.source_challenges.map((s) => ({ slug: s.slug, outcome: s.outcome, carried_from_epoch: s.carried_from_epoch, reason: s.reason })),
          };
          process.stdout.write(`${JSON.stringify(flags.printVector ? vector : summary, null, 2)}\n`);
          return 0;
        } finally {
          await store.close();
        }
      }),
    );

  common(weights.command('run'))
    .description('Run the weights epoch loop in the foreground: seal every epoch at its start until SIGINT/SIGTERM')
    .addHelpText('after', `${LOOP_HELP}

Each event (sealed, adopted, retrying, failed) is printed on stderr as one JSON line.`)
    .action(
      action(async (flags: LoopFlags) => {
        const { loop, store } = await wireLoop(flags, (event) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`));
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        loop.start();
        await stopped;
        await loop.stop();
        await store.close();
        return 0;
      }),
    );
}

async function wireLoop(
  flags: LoopFlags,
  onEvent?: Parameters<typeof createWeightsLoop>[0]['onEvent'],
): Promise<{ loop: WeightsEpochLoop; store: ControlPlaneStore; interval: number }> {
  const { loadDesiredState, requireValid } = await import('../../desired-state/index.ts');
  const { openStateDir } = await import('../../state/index.ts');
  const { openStore, StoreError } = await import('../../store/index.ts');
  const { SigningKeyError } = await import('../../weights/index.ts');
  const { createWeightsLoop } = await import('../../epoch/index.ts');
  const desiredState = requireValid(await loadDesiredState(flags.file));
  const origins = new Map<string, string>();
  for (const entry of flags.origin) {
    const match = /^([a-z0-9-]+)=(https?:\/\/.+)$/.exec(entry);
    if (!match) throw new UserError(`--origin ${entry}: expected SLUG=http://HOST:PORT`);
    if (!desiredState.challenges.some((c) => c.slug === match[1])) throw new UserError(`--origin ${entry}: no challenge ${match[1]} in ${flags.file}`);
    origins.set(match[1]!, match[2]!);
  }
  const stateDir = openStateDir(flags.stateDir);
  let store: ControlPlaneStore;
  try {
    store = await openStore({ url: process.env[STORE_URL_ENV], environment: desiredState.subnet.environment, stateDir: stateDir.dir });
  } catch (error) {
    if (error instanceof StoreError) throw new UserError(error.message);
    throw error;
  }
  try {
    const loop = await createWeightsLoop({
      desiredState,
      desiredStateRevision: flags.revision ?? null,
      stateDir,
      store,
      originFor: (challenge) => origins.get(challenge.slug) ?? `http://challenge-${challenge.slug}:${challenge.port}`,
      ...(onEvent ? { onEvent } : {}),
    });
    return { loop, store, interval: desiredState.subnet.epoch_interval_seconds };
  } catch (error) {
    await store.close();
    if (error instanceof SigningKeyError) throw new UserError(`${error.message} (base apply mints the master signing key)`);
    if (error instanceof Error && !(error instanceof UserError)) throw new UserError(error.message);
    throw error;
  }
}

function registerVerifyCommand(weights: Command): void {
  weights
    .command('verify')
    .description("Audit a master: recompute every sealed epoch from its published inputs and walk the vectors' hash chain")
    .requiredOption('--master <url>', 'the master, e.g. https://master.example:8080')
    .option('--from <epoch>', 'the oldest epoch to verify (default: 48 vectors back, or the start of the chain)')
    .option('--to <epoch>', 'the newest epoch to verify (default: the latest sealed)')
    .option('--public-key <key>', "the master's sr25519 key (0x hex or SS58), as your submitter is configured; default: the key /v1/registry publishes")
    .option('--json', 'print the whole summary as JSON instead of one line per epoch')
    .addHelpText(
      'after',
      `
For each epoch: GET /v1/weights/{epoch} and /v1/weights/{epoch}/inputs; the seal (signer, digest, signature,
u16 encoding) is checked, every raw answer is hashed against the vector's snapshot_digest, the metagraph against
metagraph.hotkey_to_uid_digest, and the whole vector is recomputed with the code the master seals with; then each
vector's previous_digest must be the digest the previous epoch is served with. One line per epoch, then a JSON summary.
A challenge with publish_raw_scores: false is an unverifiable part (named), never a silent pass.

Exit status: 0 when every verifiable part verified and the chain holds; 1 on any mismatch or broken link, or when
the master cannot be asked.`,
    )
    .action(
      action(async (options: { master: string; from?: string; to?: string; publicKey?: string; json?: boolean }) => {
        const { runVerify, verifyLines, VerifyFetchError } = await import('../../audit/run-verify.ts');
        const epochOption = (name: string, value: string | undefined): number | undefined => {
          if (value === undefined) return undefined;
          if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) throw new UserError(`--${name}: expected an epoch (integer >= 0), found ${JSON.stringify(value)}`);
          return Number(value);
        };
        const from = epochOption('from', options.from);
        const to = epochOption('to', options.to);
        if (from !== undefined && to !== undefined && from > to) throw new UserError(`--from ${from} is after --to ${to}`);
        let summary;
        try {
          summary = await runVerify({
            master: options.master,
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            ...(options.publicKey ? { publicKey: options.publicKey } : {}),
          });
        } catch (error) {
          if (error instanceof VerifyFetchError) throw new UserError(error.message);
          throw error;
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        } else {
          for (const line of verifyLines(summary)) process.stdout.write(`${line}\n`);
          const { reports: _reports, ...counts } = summary;
          process.stdout.write(`${JSON.stringify(counts)}\n`);
        }
        return summary.ok ? 0 : 1;
      }),
    );
}
