import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PLAN_FORMAT_VERSION } from '../../plan/model.ts';
import { renderJson } from '../json.ts';
import { mixedPlan } from './support.ts';

test('--json is the plan itself with format_version, summary, ordered changes and hashes', () => {
  const plan = mixedPlan();
  const json = JSON.parse(renderJson(plan));
  assert.equal(json.format_version, PLAN_FORMAT_VERSION);
  assert.deepEqual(json.summary, plan.summary);
  assert.equal(json.hash, plan.hash);
  assert.equal(json.live_fingerprint, plan.live_fingerprint);
  assert.deepEqual(json.changes.map((c: { name: string; action: string }) => `${c.action} ${c.name}`), plan.changes.map((c) => `${c.action} ${c.name}`));
});
