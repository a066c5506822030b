import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  aggregateChallengeWeights,
  AggregationInputError,
  encodeU16,
  parseAggregationInput,
  ZeroMinerWeightError,
} from '../../weights/index.ts';
import { action, UserError } from '../action.ts';

/** `base weights ...`: the weights pipeline's offline tools. */
export function register(program: Command): void {
  const weights = program.command('weights').description('Weights pipeline tools (aggregate an epoch offline)');

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
  base weights aggregate --input ../shared/fixtures/aggregate/05_unknown_hotkey_share_burns.json`,
    )
    .action(
      action(async (options: { input: string; compact?: boolean }) => {
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
