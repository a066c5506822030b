import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderText } from '../text.ts';
import { mixedPlan, unchangedPlan } from './support.ts';

test('text: + create, ~ update with old → new per field, - destroy, impact per service, exact summary line', () => {
  const text = renderText(mixedPlan(), { color: false });
  const lines = text.split('\n');
  assert.ok(lines.includes('  + network t-plan-extra  (new network)'), text);
  assert.ok(lines.some((l) => l.startsWith('  ~ service t-plan-challenge-alpha  (rolls tasks: its tasks will be replaced')), text);
  assert.ok(lines.some((l) => l.startsWith('  ~ service t-plan-challenge-beta  (no restart')), text);
  assert.ok(lines.includes('      ~ Labels["base.challenge.emission-percent"]: "30" → "35"'), text);
  assert.ok(lines.some((l) => /^ {6}~ TaskTemplate\.ContainerSpec\.Image: ".*@sha256:2d23.*" → ".*@sha256:abab.*"$/.test(l)), text);
  assert.ok(lines.includes('      + TaskTemplate.Networks.t-plan-extra: {"Aliases":["t-plan-base-master"]}'), text);
  assert.ok(!lines.some((l) => l.includes('mtu: null')), 'creations skip null fields');
  assert.ok(lines.includes('  - network t-plan-stale  (removed from the desired state)'), text);
  // Ordering: the destroy comes last.
  assert.ok(lines.findIndex((l) => l.startsWith('  - network')) > lines.findIndex((l) => l.startsWith('  ~ service t-plan-challenge-beta')));
  assert.equal(lines.at(-2), 'Plan: 1 to add, 3 to change, 1 to destroy; 2 services will restart.');
});

test('text: an empty plan says so in one line', () => {
  assert.equal(renderText(unchangedPlan(), { color: false }), 'No changes. Live state matches desired-state.\n');
});

test('text: singular "service" when exactly one restarts', () => {
  const plan = mixedPlan();
  const one = { ...plan, summary: { ...plan.summary, restarts: 1 } };
  assert.match(renderText(one, { color: false }), /; 1 service will restart\.\n$/);
});

test('text: warnings are listed before the summary', () => {
  const plan = unchangedPlan();
  plan.warnings.push({ kind: 'node', name: 'w9', code: 'node-not-found', message: 'worker w9 is not in the Swarm' });
  const text = renderText(plan, { color: false });
  assert.match(text, /Warnings:\n {2}! node w9: worker w9 is not in the Swarm\n\nNo changes\./);
});

test('text: --show-unchanged lists no-ops without a symbol under a heading that says nothing changes', () => {
  const text = renderText(unchangedPlan(), { color: false, showUnchanged: true });
  const lines = text.split('\n');
  assert.equal(lines[0], 'Objects (all unchanged):');
  assert.ok(lines.includes('    service t-plan-challenge-alpha'));
  assert.equal(lines.at(-2), 'No changes. Live state matches desired-state.');
});
