/**
 * Pure planning cost for 50 challenges (compile + plan against a converged live state, no Docker): the part of one
 * drift check that is not the observe call. Prints one JSON object.
 *   node --import tsx reconciler/plan/test/plan-50-services.bench.ts
 */
import YAML from 'yaml';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import { plan } from '../plan.ts';
import { liveStateFromIntents } from '../synthetic-live.ts';
import { fixtureText } from './support/fixtures.ts';

const doc = YAML.parse(fixtureText('converged.yaml'));
const template = doc.challenges[0];
doc.challenges = Array.from({ length: 50 }, (_, i) => ({ ...template, slug: `bench-${i}`, name: `Bench ${i}`, emission_percent: 1 }));
const state = requireValid(parseDesiredState(YAML.stringify(doc), 'bench.yaml'));
const live = liveStateFromIntents(compile(state));
const runs = 50;
for (let i = 0; i < 5; i += 1) plan(compile(state), live, { checkExternalSecrets: false });
const started = performance.now();
let changes = 0;
for (let i = 0; i < runs; i += 1) changes += plan(compile(state), live, { checkExternalSecrets: false }).summary.change;
const perRun = (performance.now() - started) / runs;
process.stdout.write(`${JSON.stringify({ bench: 'compile+plan, 50 challenges, converged', services: 51, runs, ms_per_run: Number(perRun.toFixed(2)), changes })}\n`);
