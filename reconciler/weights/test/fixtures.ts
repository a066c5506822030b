import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reference aggregation conformance vectors, copied into the project (their source: fixtures/aggregate/SOURCE.md). */
export const FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures/aggregate');

export interface AggregateFixture {
  name: string;
  path: string;
  inputs: unknown;
  expected: { uids: number[]; weights: number[]; hotkey_weights: Record<string, number> };
}

export function loadAggregateFixtures(): AggregateFixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const path = join(FIXTURE_DIR, file);
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { inputs: unknown; python_float_output: AggregateFixture['expected'] };
      return { name: file, path, inputs: parsed.inputs, expected: parsed.python_float_output };
    });
}
