import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorEnabled, renderText } from '../text.ts';
import { mixedPlan } from './support.ts';

test('colour only on a terminal and only without NO_COLOR', () => {
  assert.equal(colorEnabled({ isTTY: true }, {}), true);
  assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(colorEnabled({ isTTY: false }, {}), false);
  assert.equal(colorEnabled({}, {}), false);
});

test('colour on: ANSI codes around symbols; off: none at all', () => {
  const plan = mixedPlan();
  const coloured = renderText(plan, { color: true });
  assert.ok(coloured.includes('\u001b[32m+ network t-plan-extra\u001b[0m'));
  assert.ok(coloured.includes('\u001b[31m- network t-plan-stale\u001b[0m'));
  assert.ok(!renderText(plan, { color: false }).includes('\u001b['));
});
