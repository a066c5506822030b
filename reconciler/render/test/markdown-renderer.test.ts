import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../markdown.ts';
import { mixedPlan, unchangedPlan } from './support.ts';

test('markdown: heading, bold summary, a table row per change, field diffs folded in <details>', () => {
  const md = renderMarkdown(mixedPlan(), { title: 'desired-state/subnet.yaml (against main)' });
  const lines = md.split('\n');
  assert.equal(lines[0], '### Base plan: desired-state/subnet.yaml (against main)');
  assert.ok(lines.includes('**Plan: 1 to add, 3 to change, 1 to destroy; 2 services will restart.**'));
  assert.ok(lines.includes('| Action | Kind | Name | Impact | Reason |'));
  assert.ok(lines.includes('| ➕ create | network | `t-plan-extra` | — | new network |'), md);
  assert.ok(lines.includes('| 🔄 update | service | `t-plan-challenge-beta` | no restart | differs from the desired state |'), md);
  assert.ok(lines.includes('| ➖ destroy | network | `t-plan-stale` | — | removed from the desired state |'), md);
  const details = md.indexOf('<details><summary>Field differences</summary>');
  assert.ok(details > 0 && md.indexOf('</details>') > details);
  assert.ok(md.includes('```diff\n! Labels["base.challenge.emission-percent"]: "30" → "35"'), md);
});

test('markdown: an empty plan is the heading and the no-changes line, no table', () => {
  const md = renderMarkdown(unchangedPlan());
  assert.match(md, /^### Base plan\n\n\*\*No changes\. Live state matches desired-state\.\*\*\n/);
  assert.ok(!md.includes('| Action |'));
});
