/** Loading the plan fixtures: desired YAML compiled into the t-plan- namespace, and captured live inspect JSON. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseDesiredState, requireValid } from '../../../desired-state/index.ts';
import type { LiveState } from '../../../live/types.ts';
import { compile } from '../../compile.ts';
import type { Intent } from '../../model.ts';
import { intoTestNamespace } from './test-objects.ts';

export const FIXTURE_PREFIX = 't-plan-';
export const FIXTURE_TAG = 'plan';
/** Token and signing-key names as the state folder would hand them to compile. */
export const FIXTURE_SECRET_NAMES = {
  tokenSecretNames: { alpha: 'challenge-alpha-token-0123456789ab', beta: 'challenge-beta-token-0123456789ab', gamma: 'challenge-gamma-token-0123456789ab' },
  signingKeySecretName: 'base-master-signing-key-0123456789ab',
};

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** Compiles YAML text (a fixture, possibly edited by the test) into the fixture namespace. */
export function compileFixture(yamlText: string, file = 'fixture.yaml'): Intent[] {
  const state = requireValid(parseDesiredState(yamlText, file));
  return intoTestNamespace(compile(state, FIXTURE_SECRET_NAMES), FIXTURE_PREFIX, FIXTURE_TAG);
}

/** A fresh copy of the captured live state (tests may mutate it). */
export function capturedLive(): LiveState {
  return JSON.parse(fixtureText('converged.live.json')) as LiveState;
}

/** The converged fixture YAML, parsed, changed by `mutate`, and compiled. */
export function compileEdited(mutate: (doc: FixtureDoc) => void, base = 'converged.yaml'): Intent[] {
  const doc = YAML.parse(fixtureText(base)) as FixtureDoc;
  mutate(doc);
  return compileFixture(YAML.stringify(doc));
}

/** The YAML document as plain data (tests edit it freely). */
export type FixtureDoc = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The captured live state with the desired node labels applied: the capture never changes the test bed's own node,
 * so a converged worker is simulated here by setting exactly the labels the reconciler would set.
 */
export function convergedLive(intents: readonly Intent[] = compileFixture(fixtureText('converged.yaml'))): LiveState {
  const live = capturedLive();
  for (const intent of intents) {
    if (intent.kind !== 'node') continue;
    const node = live.nodes.find((n) => n.Description?.Hostname === intent.hostname);
    if (node) {
      node.Spec.Labels = { ...(node.Spec.Labels ?? {}), ...intent.labels };
      node.Spec.Availability = intent.availability;
    }
  }
  return live;
}

/** The raw live service with that name (throws when absent, so tests fail loudly). */
export function liveService(live: LiveState, name: string) {
  const found = live.services.find((s) => s.Spec.Name === name);
  if (!found) throw new Error(`fixture has no service ${name}`);
  return found;
}
